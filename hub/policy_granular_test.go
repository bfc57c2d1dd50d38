package hub

import (
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// TestPolicyGranularMarkings: the stored TLP is the most restrictive of the
// object-level and granular markings (stix.EffectiveTLP), and a granular
// TLP:RED needs recipients like an object-level one (issue 10, finding 1).
func TestPolicyGranularMarkings(t *testing.T) {
	const known = "marking-definition--0e000000-0000-4000-8000-000000000001"
	const unknown = "marking-definition--0e000000-0000-4000-8000-000000000002"
	pol := &policy{org: orgA, defaultTLP: stix.TLPAmber, known: map[string]bool{known: true}}
	granular := func(ref string) string {
		return `"granular_markings":[{"marking_ref":"` + ref + `","selectors":["description"]}]`
	}
	tests := []struct {
		name       string
		props      string
		recipients []string
		wantTLP    stix.TLP
		problems   int
	}{
		{"GREEN with granular RED needs recipients", `"object_marking_refs":["` + stix.TLPGreenID + `"],` + granular(stix.TLPRedID), nil, stix.TLPRed, 1},
		{"GREEN with granular RED and recipients", `"object_marking_refs":["` + stix.TLPGreenID + `"],` + granular(stix.TLPRedID), []string{orgB}, stix.TLPRed, 0},
		{"only granular unknown is RED, not the default", granular(unknown), nil, stix.TLPRed, 1},
		{"only granular CLEAR is CLEAR, not the default", granular(stix.TLPClearID), nil, stix.TLPClear, 0},
		{"granular known statement keeps the default", granular(known), nil, stix.TLPAmber, 0},
		{"granular lang only keeps the object level", `"object_marking_refs":["` + stix.TLPGreenID + `"],"granular_markings":[{"lang":"fr","selectors":["description"]}]`, nil, stix.TLPGreen, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := decodeObject(t, `{"type":"indicator","id":"indicator--0e000000-0000-4000-8000-000000000009","description":"d",`+tc.props+`}`)
			so, probs := pol.storable(0, o, nil, auth.Verified{Recipients: tc.recipients, KID: "k", Signature: "s"})
			if so.TLP != tc.wantTLP || len(probs) != tc.problems {
				t.Fatalf("TLP %s with %d problems %v, want %s with %d", so.TLP, len(probs), probs, tc.wantTLP, tc.problems)
			}
		})
	}
}
