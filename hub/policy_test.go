package hub

import (
	"fmt"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
	"github.com/jag-hub/jag/stix/pattern"
)

func decodeObject(t *testing.T, raw string) *stix.Object {
	t.Helper()
	o, err := stix.DecodeObject([]byte(raw), stix.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObservablesOf(t *testing.T) {
	sha := "AB" + fmt.Sprintf("%062d", 0)
	tests := []struct {
		name string
		obj  string
		want []Observable
	}{
		{"indicator domain", `{"type":"indicator","pattern":"[domain-name:value = 'Evil.Example.']","pattern_type":"stix"}`,
			[]Observable{{"domain", "evil.example", "domain-name:value", "="}}},
		{"indicator CIDR and hash", `{"type":"indicator","pattern":"[ipv4-addr:value ISSUBSET '10.1.0.0/16'] OR [file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']","pattern_type":"stix"}`,
			[]Observable{{"ipv4", "10.1.0.0/16", "ipv4-addr:value", "ISSUBSET"}, {"md5", "d41d8cd98f00b204e9800998ecf8427e", "file:hashes.MD5", "="}}},
		{"negation is not indexed", `{"type":"indicator","pattern":"[domain-name:value != 'a.example']","pattern_type":"stix"}`, nil},
		{"other pattern language", `{"type":"indicator","pattern":"alert tcp any any","pattern_type":"snort"}`, nil},
		{"ipv4-addr", `{"type":"ipv4-addr","value":"198.51.100.7"}`, []Observable{{"ipv4", "198.51.100.7", "ipv4-addr:value", "="}}},
		{"ipv6-addr CIDR", `{"type":"ipv6-addr","value":"2001:db8::/32"}`, []Observable{{"ipv6", "2001:db8::/32", "ipv6-addr:value", "="}}},
		{"ipv4-addr holding a domain is not indexed", `{"type":"ipv4-addr","value":"a.example"}`, nil},
		{"domain-name", `{"type":"domain-name","value":"WWW.Example.com"}`, []Observable{{"domain", "www.example.com", "domain-name:value", "="}}},
		{"url", `{"type":"url","value":"https://a.example/x"}`, []Observable{{"url", "https://a.example/x", "url:value", "="}}},
		{"email-addr", `{"type":"email-addr","value":"Bob@A.example"}`, []Observable{{"email", "bob@a.example", "email-addr:value", "="}}},
		{"file hashes, sorted by algorithm", `{"type":"file","hashes":{"SHA-256":"` + sha + `","MD5":"short"}}`,
			[]Observable{{"sha256", "ab" + fmt.Sprintf("%062d", 0), "file:hashes.'SHA-256'", "="}}},
		{"SDO without pattern", `{"type":"malware","name":"Pegasus"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := decodeObject(t, tc.obj)
			var p *pattern.Pattern
			if o.PatternType == "stix" {
				var err error
				if p, err = pattern.Parse(o.Pattern); err != nil {
					t.Fatal(err)
				}
			}
			got := observablesOf(o, p)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestObjectVersion(t *testing.T) {
	received := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	modified := time.Date(2026, 2, 1, 0, 0, 0, 500, time.UTC)
	tests := []struct {
		name                     string
		obj                      string
		wantMod                  string
		wantModAt, wantCreatedAt time.Time
	}{
		{"versioned object", `{"type":"indicator","created":"2026-01-01T00:00:00Z","modified":"2026-02-01T00:00:00.0000005Z"}`,
			"2026-02-01T00:00:00.0000005Z", modified, created},
		{"marking definition", `{"type":"marking-definition","created":"2026-01-01T00:00:00Z"}`, "2026-01-01T00:00:00Z", created, created},
		{"SCO", `{"type":"ipv4-addr","value":"10.0.0.1"}`, "", received, received},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mod, modAt, createdAt := objectVersion(decodeObject(t, tc.obj), received)
			if mod != tc.wantMod || !modAt.Equal(tc.wantModAt) || !createdAt.Equal(tc.wantCreatedAt) {
				t.Fatalf("got %q %s %s", mod, modAt, createdAt)
			}
		})
	}
}

func TestPolicyStorable(t *testing.T) {
	const known = "marking-definition--0e000000-0000-4000-8000-000000000001"
	const unknown = "marking-definition--0e000000-0000-4000-8000-000000000002"
	pol := &policy{org: orgA, defaultTLP: stix.TLPAmber, known: map[string]bool{known: true}}
	tests := []struct {
		name       string
		refs       string
		recipients []string
		wantTLP    stix.TLP
		problems   int
	}{
		{"no marking takes the default", ``, nil, stix.TLPAmber, 0},
		{"TLP 2.0 marking", `"` + stix.TLPGreenID + `"`, nil, stix.TLPGreen, 0},
		{"TLP 1.0 marking maps to 2.0", `"` + stix.TLP1WhiteID + `"`, nil, stix.TLPClear, 0},
		{"most restrictive wins", `"` + stix.TLPGreenID + `","` + stix.TLPAmberStrictID + `"`, nil, stix.TLPAmberStrict, 0},
		{"known statement marking does not restrict", `"` + known + `","` + stix.TLPClearID + `"`, nil, stix.TLPClear, 0},
		{"unknown marking is RED and needs recipients", `"` + unknown + `"`, nil, stix.TLPRed, 1},
		{"RED with recipients", `"` + stix.TLPRedID + `"`, []string{orgB}, stix.TLPRed, 0},
		{"RED with an empty list", `"` + stix.TLPRedID + `"`, []string{}, stix.TLPRed, 1},
		{"recipients must be identities", `"` + stix.TLPGreenID + `"`, []string{orgB, "bundle--x", "identity--bad"}, stix.TLPGreen, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := decodeObject(t, `{"type":"indicator","id":"indicator--0e000000-0000-4000-8000-000000000009","object_marking_refs":[`+tc.refs+`]}`)
			so, probs := pol.storable(3, o, nil, auth.Verified{Recipients: tc.recipients, KID: "k", Signature: "s"})
			if so.TLP != tc.wantTLP || len(probs) != tc.problems {
				t.Fatalf("TLP %s with %d problems %v, want %s with %d", so.TLP, len(probs), probs, tc.wantTLP, tc.problems)
			}
			for _, p := range probs {
				if p.Object != o.ID || len(p.Pointer) < len("/objects/3/") || p.Pointer[:11] != "/objects/3/" {
					t.Errorf("problem does not name the object and its pointer: %+v", p)
				}
			}
			if so.CreatedBy != orgA || so.KID != "k" || so.Signature != "s" {
				t.Fatalf("stored as %+v", so)
			}
		})
	}
}
