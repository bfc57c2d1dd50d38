package hub

import (
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
)

func TestNewProbe(t *testing.T) {
	sha := strings.Repeat("Ab", 32)
	tests := []struct {
		in     string
		kind   string
		kinds  []string
		values []string
		net    string
	}{
		{"198.51.100.7", "ipv4", []string{"ipv4"}, []string{"198.51.100.7"}, "198.51.100.7"},
		{" 198.51.100.7/24 ", "ipv4", []string{"ipv4"}, []string{"198.51.100.0/24"}, "198.51.100.0/24"},
		{"2001:DB8::1", "ipv6", []string{"ipv6"}, []string{"2001:db8::1"}, "2001:db8::1"},
		{"WWW.C2.Example.org.", "domain", []string{"domain"}, []string{"www.c2.example.org", "c2.example.org", "example.org"}, ""},
		{"example.org", "domain", []string{"domain"}, []string{"example.org"}, ""},
		{sha, "sha256", []string{"sha256", "sha3-256"}, []string{strings.ToLower(sha)}, ""},
		{strings.Repeat("a", 32), "md5", []string{"md5"}, []string{strings.Repeat("a", 32)}, ""},
		{strings.Repeat("a", 40), "sha1", []string{"sha1"}, []string{strings.Repeat("a", 40)}, ""},
		{strings.Repeat("a", 128), "sha512", []string{"sha512", "sha3-512"}, []string{strings.Repeat("a", 128)}, ""},
		{"https://c2.example.org/x?a=b", "url", []string{"url"}, []string{"https://c2.example.org/x?a=b"}, ""},
		{"Alice@Example.org", "email", []string{"email"}, []string{"alice@example.org"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, ok := NewProbe(tc.in)
			if !ok {
				t.Fatalf("NewProbe(%q) refused", tc.in)
			}
			if p.Kind != tc.kind || !slices.Equal(p.Kinds, tc.kinds) || !slices.Equal(p.Values, tc.values) || p.Net != tc.net || p.Value != tc.in {
				t.Fatalf("NewProbe(%q) = %+v", tc.in, p)
			}
		})
	}
	for _, bad := range []string{"", "not a value", "1.2.3.4/33", "a@", "http://"} {
		if p, ok := NewProbe(bad); ok {
			t.Errorf("NewProbe(%q) = %+v, want refused", bad, p)
		}
	}
}

func TestProbeMatch(t *testing.T) {
	ip, _ := NewProbe("198.51.100.7")
	dom, _ := NewProbe("a.example.org")
	sha, _ := NewProbe(strings.Repeat("AB", 32))
	tests := []struct {
		p       Probe
		indexed pattern.Observable
		want    string // "" means no match
	}{
		{ip, pattern.Observable{Kind: "ipv4", Value: "198.51.100.7"}, pattern.MatchExact},
		{ip, pattern.Observable{Kind: "ipv4", Value: "198.51.100.0/24"}, pattern.MatchCIDR},
		{ip, pattern.Observable{Kind: "ipv4", Value: "198.51.101.0/24"}, ""},
		{dom, pattern.Observable{Kind: "domain", Value: "a.example.org"}, pattern.MatchExact},
		{dom, pattern.Observable{Kind: "domain", Value: "example.org"}, pattern.MatchParentDomain},
		{dom, pattern.Observable{Kind: "domain", Value: "b.example.org"}, ""},
		{sha, pattern.Observable{Kind: "sha3-256", Value: strings.Repeat("ab", 32)}, pattern.MatchExact},
	}
	for _, tc := range tests {
		how, ok := tc.p.Match(tc.indexed)
		if ok != (tc.want != "") || how != tc.want {
			t.Errorf("%s.Match(%+v) = %q, %v; want %q", tc.p.Value, tc.indexed, how, ok, tc.want)
		}
	}
}

// A probe of any input is consistent: Values start with Norm, Net is set
// exactly for addresses and CIDRs, and the normalised value is itself a
// probe of the same kind.
func FuzzNewProbe(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "10.0.0.0/8", "::1", "a.b.example.org", "x@y.org", "https://a.b/c", strings.Repeat("a", 64), "", "..", "1.2.3.4/33", strings.Repeat("A", 32) + "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := NewProbe(s)
		if !ok {
			return
		}
		if len(p.Values) == 0 || p.Values[0] != p.Norm || len(p.Kinds) == 0 {
			t.Fatalf("NewProbe(%q) = %+v", s, p)
		}
		if (p.Net != "") != (p.Kind == "ipv4" || p.Kind == "ipv6") {
			t.Fatalf("NewProbe(%q): net %q for kind %s", s, p.Net, p.Kind)
		}
		q, ok := NewProbe(p.Norm)
		if !ok || q.Kind != p.Kind || q.Norm != p.Norm {
			t.Fatalf("normalised %q of %q is not stable: %+v %v", p.Norm, s, q, ok)
		}
	})
}
