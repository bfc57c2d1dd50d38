package auth

import "testing"

func TestVisible(t *testing.T) {
	member := &Principal{Org: orgA, Tier: TierMember}
	client := &Principal{Org: orgA, Tier: TierClient}
	community := &Principal{Org: orgA, Tier: TierCommunity}
	memberB := &Principal{Org: orgB, Tier: TierMember}
	noOrg := &Principal{Tier: TierCommunity}
	creatorB := func(tlp string, recipients []string) Marking {
		return Marking{TLP: tlp, Recipients: recipients, CreatedBy: orgB}
	}
	tests := []struct {
		name string
		p    *Principal
		m    Marking
		want bool
	}{
		{"clear anonymous", nil, creatorB(TLPClear, nil), true},
		{"clear community", community, creatorB(TLPClear, nil), true},
		{"clear with recipients, not listed", member, creatorB(TLPClear, []string{orgB}), false},
		{"clear with recipients, anonymous", nil, creatorB(TLPClear, []string{orgA}), false},
		{"green anonymous", nil, creatorB(TLPGreen, nil), false},
		{"green community", community, creatorB(TLPGreen, nil), true},
		{"green community without org", noOrg, creatorB(TLPGreen, nil), true},
		{"amber community", community, creatorB(TLPAmber, nil), false},
		{"amber client", client, creatorB(TLPAmber, nil), true},
		{"amber+strict client", client, creatorB(TLPAmberStrict, nil), false},
		{"amber+strict member", member, creatorB(TLPAmberStrict, nil), true},
		{"red without recipients", member, creatorB(TLPRed, nil), false},
		{"red member listed", member, creatorB(TLPRed, []string{orgA}), true},
		{"red member not listed", member, creatorB(TLPRed, []string{orgB}), false},
		{"red client listed", client, creatorB(TLPRed, []string{orgA}), false},
		{"red empty recipients", member, creatorB(TLPRed, []string{}), false},
		{"green empty recipients", member, creatorB(TLPGreen, []string{}), false},
		{"unknown tlp", member, creatorB("purple", nil), false},
		{"creator member sees own red", memberB, creatorB(TLPRed, nil), true},
		{"creator member sees own unknown tlp", memberB, creatorB("purple", []string{}), true},
		{"creator client does not widen", &Principal{Org: orgB, Tier: TierClient}, creatorB(TLPAmberStrict, nil), false},
		{"empty org never matches empty creator", &Principal{Tier: TierMember}, Marking{TLP: TLPRed, CreatedBy: ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Visible(tt.p, tt.m); got != tt.want {
				t.Fatalf("Visible = %v, want %v", got, tt.want)
			}
		})
	}
}
