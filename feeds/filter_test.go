package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix/pattern"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, seq := range []int64{0, 1, 42, 1 << 62} {
		got, err := DecodeCursor(EncodeCursor(seq))
		if err != nil || got != seq {
			t.Fatalf("round trip %d: %d, %v", seq, got, err)
		}
	}
	for _, bad := range []string{"", "v1.5", "!!", EncodeCursor(5)[:3], "djIuNQ" /* v2.5 */, "djEuLTE" /* v1.-1 */, "djEuMDU" /* v1.05 */} {
		if _, err := DecodeCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrBadCursor", bad, err)
		}
	}
}

func indicator(pattern string) *event {
	obj, _ := json.Marshal(map[string]string{"type": "indicator", "pattern": pattern, "pattern_type": "stix"})
	return &event{Event: &hub.Event{Seq: 1, Kind: hub.KindCreated, Type: "indicator", Object: obj, CreatedBy: orgA}}
}

func TestFilterMatch(t *testing.T) {
	conf := func(n int) *int { return &n }
	no := false
	ev := &event{Event: &hub.Event{Seq: 1, Kind: hub.KindUpdated, Type: "indicator", CreatedBy: orgA, Labels: []string{"apt", "c2"}, Confidence: conf(70), Object: []byte(`{}`)}}
	revoked := &event{Event: &hub.Event{Seq: 2, Kind: hub.KindRevoked, Type: "indicator", CreatedBy: orgA, Revoked: true, Object: []byte(`{}`)}}
	for _, tc := range []struct {
		name string
		f    Filter
		ev   *event
		want bool
	}{
		{"Empty", Filter{}, ev, true},
		{"Type", Filter{Types: []string{"malware", "indicator"}}, ev, true},
		{"OtherType", Filter{Types: []string{"malware"}}, ev, false},
		{"Label", Filter{Labels: []string{"c2"}}, ev, true},
		{"OtherLabel", Filter{Labels: []string{"phishing"}}, ev, false},
		{"Creator", Filter{CreatedBy: []string{orgA}}, ev, true},
		{"OtherCreator", Filter{CreatedBy: []string{orgB}}, ev, false},
		{"ConfidenceMet", Filter{MinConfidence: conf(70)}, ev, true},
		{"ConfidenceNotMet", Filter{MinConfidence: conf(71)}, ev, false},
		{"ConfidenceAbsent", Filter{MinConfidence: conf(0)}, revoked, false},
		{"RevokedIncludedByDefault", Filter{}, revoked, true},
		{"RevokedExcluded", Filter{IncludeRevoked: &no}, revoked, false},
		{"NotRevokedWithExclusion", Filter{IncludeRevoked: &no}, ev, true},
		{"WatchlistNeedsIndicatorObservables", Filter{Observables: []string{"10.0.0.1"}}, ev, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := tc.f.compile()
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := sel.match(tc.ev); got != tc.want {
				t.Fatalf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterInvalid(t *testing.T) {
	many := make([]string, MaxFilterValues+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"NotAnObservable", Filter{Observables: []string{"hello world"}}},
		{"TooMany", Filter{Observables: many}},
		{"ConfidenceRange", Filter{MinConfidence: new(int(101))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.f.compile(); !errors.Is(err, ErrBadFilter) {
				t.Fatalf("compile = %v, want ErrBadFilter", err)
			}
		})
	}
}

func TestWatchlist(t *testing.T) {
	for _, tc := range []struct {
		name    string
		watch   string
		pattern string
		want    string // "" for no match
		obs     string
	}{
		{"IPExact", "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']", pattern.MatchExact, "198.51.100.7"},
		{"IPInIndicatorCIDR", "198.51.100.7", "[ipv4-addr:value = '198.51.100.0/24']", pattern.MatchCIDR, "198.51.100.0/24"},
		{"IPOutsideCIDR", "198.51.101.7", "[ipv4-addr:value = '198.51.100.0/24']", "", ""},
		{"CIDRExact", "10.0.0.0/8", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", pattern.MatchExact, "10.0.0.0/8"},
		{"CIDRInsideIndicatorCIDR", "10.1.0.0/16", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", pattern.MatchCIDR, "10.0.0.0/8"},
		{"CIDRWiderThanIndicator", "10.0.0.0/8", "[ipv4-addr:value = '10.1.2.3']", "", ""},
		{"IPv6InCIDR", "2001:db8::1", "[ipv6-addr:value = '2001:db8::/32']", pattern.MatchCIDR, "2001:db8::/32"},
		{"IPv4NotInIPv6", "10.0.0.1", "[ipv6-addr:value = '::/0']", "", ""},
		{"DomainExact", "Evil.Example.COM.", "[domain-name:value = 'evil.example.com']", pattern.MatchExact, "evil.example.com"},
		{"DomainParent", "a.evil.example.com", "[domain-name:value = 'example.com']", pattern.MatchParentDomain, "example.com"},
		{"DomainChildNoMatch", "example.com", "[domain-name:value = 'a.example.com']", "", ""},
		{"SHA256", "AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F", "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", pattern.MatchExact, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
		{"SHA3SameLength", "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", "[file:hashes.'SHA3-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", pattern.MatchExact, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
		{"MD5Other", "cead3f77f6cda6ec00f57d76c9a6879f", "[file:hashes.MD5 = '0ead3f77f6cda6ec00f57d76c9a6879f']", "", ""},
		{"URL", "http://evil.example.com/x", "[url:value = 'http://evil.example.com/x']", pattern.MatchExact, "http://evil.example.com/x"},
		{"Email", "Bad@Evil.example", "[email-addr:value = 'bad@evil.example']", pattern.MatchExact, "bad@evil.example"},
		{"NegatedNotCounted", "198.51.100.7", "[ipv4-addr:value != '198.51.100.7']", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := Filter{Observables: []string{tc.watch}}.compile()
			if err != nil {
				t.Fatal(err)
			}
			ok, m := sel.match(indicator(tc.pattern))
			if tc.want == "" {
				if ok || len(m) != 0 {
					t.Fatalf("matched %+v, want none", m)
				}
				return
			}
			if !ok || len(m) != 1 || m[0].Match != tc.want || m[0].Value != tc.watch || m[0].Observable.Value != tc.obs {
				t.Fatalf("match = %v %+v, want %s of %s", ok, m, tc.want, tc.obs)
			}
		})
	}
}
