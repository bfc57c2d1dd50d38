package pattern

import (
	"slices"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	md5 := strings.Repeat("0f", 16)
	tests := []struct {
		name    string
		query   string     // a lookup value, classified
		indexed Observable // as extraction stores it
		want    string     // "" means no match
	}{
		{"IPExact", "198.51.100.7", Observable{Kind: "ipv4", Value: "198.51.100.7"}, MatchExact},
		{"IPOther", "198.51.100.7", Observable{Kind: "ipv4", Value: "198.51.100.8"}, ""},
		{"IPInCIDR", "198.51.100.7", Observable{Kind: "ipv4", Value: "198.51.100.0/24"}, MatchCIDR},
		{"IPInDefaultRoute", "198.51.100.7", Observable{Kind: "ipv4", Value: "0.0.0.0/0"}, MatchCIDR},
		{"IPOutsideCIDR", "198.51.101.7", Observable{Kind: "ipv4", Value: "198.51.100.0/24"}, ""},
		{"CIDRExact", "10.0.0.0/8", Observable{Kind: "ipv4", Value: "10.0.0.0/8"}, MatchExact},
		{"CIDRUnmaskedQuery", "10.9.9.9/8", Observable{Kind: "ipv4", Value: "10.0.0.0/8"}, MatchExact},
		{"CIDRInBiggerCIDR", "10.1.0.0/16", Observable{Kind: "ipv4", Value: "10.0.0.0/8"}, MatchCIDR},
		{"CIDRContainsNetworkInside", "10.0.0.0/8", Observable{Kind: "ipv4", Value: "10.1.0.0/16"}, MatchContains},
		{"CIDRContainsAddressInside", "10.0.0.0/8", Observable{Kind: "ipv4", Value: "10.1.2.3"}, MatchContains},
		{"CIDRNotAddressOutside", "10.0.0.0/8", Observable{Kind: "ipv4", Value: "11.0.0.1"}, ""},
		{"CIDRNotOverlappingSibling", "10.0.0.0/9", Observable{Kind: "ipv4", Value: "10.128.0.0/9"}, ""},
		{"IPv6CIDRContainsAddress", "2001:db8::/32", Observable{Kind: "ipv6", Value: "2001:db8::7"}, MatchContains},
		{"IPv4CIDRNotIPv6Inside", "0.0.0.0/0", Observable{Kind: "ipv6", Value: "::ffff:10.0.0.1"}, ""},
		{"IPv6Exact", "2001:DB8::1", Observable{Kind: "ipv6", Value: "2001:db8::1"}, MatchExact},
		{"IPv6InCIDR", "2001:db8::1", Observable{Kind: "ipv6", Value: "2001:db8::/32"}, MatchCIDR},
		{"IPv4NotInIPv6", "10.0.0.1", Observable{Kind: "ipv6", Value: "::/0"}, ""},
		{"IPv4MappedNotInIPv4", "::ffff:10.0.0.1", Observable{Kind: "ipv4", Value: "10.0.0.0/8"}, ""},
		{"IPNotDomain", "10.0.0.1", Observable{Kind: "domain", Value: "10.0.0.1"}, ""},
		{"DomainExact", "Evil.Example.COM.", Observable{Kind: "domain", Value: "evil.example.com"}, MatchExact},
		{"DomainParent", "a.evil.example.com", Observable{Kind: "domain", Value: "evil.example.com"}, MatchParentDomain},
		{"DomainGrandparent", "a.evil.example.com", Observable{Kind: "domain", Value: "example.com"}, MatchParentDomain},
		{"DomainNotTopLevel", "a.example.com", Observable{Kind: "domain", Value: "com"}, ""},
		{"DomainChildNoMatch", "example.com", Observable{Kind: "domain", Value: "a.example.com"}, ""},
		{"DomainSuffixNotLabel", "badexample.com", Observable{Kind: "domain", Value: "example.com"}, ""},
		{"DomainNotURL", "example.com", Observable{Kind: "url", Value: "example.com"}, ""},
		{"MD5", strings.ToUpper(md5), Observable{Kind: "md5", Value: md5}, MatchExact},
		{"MD5Other", md5, Observable{Kind: "md5", Value: "1" + md5[1:]}, ""},
		{"SHA1", strings.Repeat("a", 40), Observable{Kind: "sha1", Value: strings.Repeat("a", 40)}, MatchExact},
		{"SHA256", strings.ToUpper(hex64), Observable{Kind: "sha256", Value: hex64}, MatchExact},
		{"SHA256AsSHA3", hex64, Observable{Kind: "sha3-256", Value: hex64}, MatchExact},
		{"SHA256NotSHA512", hex64, Observable{Kind: "sha512", Value: hex64}, ""},
		{"SHA512AsSHA3", hex64 + hex64, Observable{Kind: "sha3-512", Value: hex64 + hex64}, MatchExact},
		{"HashNotSSDEEP", md5, Observable{Kind: "ssdeep", Value: md5}, ""},
		{"Email", "Bad@Evil.example", Observable{Kind: "email", Value: "bad@evil.example"}, MatchExact},
		{"EmailNotParentDomain", "bad@a.evil.example", Observable{Kind: "email", Value: "bad@evil.example"}, ""},
		{"URL", "http://evil.example.com/x", Observable{Kind: "url", Value: "http://evil.example.com/x"}, MatchExact},
		{"URLCaseKept", "http://evil.example.com/X", Observable{Kind: "url", Value: "http://evil.example.com/x"}, ""},
		{"URLNotDomain", "http://evil.example.com", Observable{Kind: "domain", Value: "evil.example.com"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := Classify(tc.query)
			if !ok {
				t.Fatalf("Classify(%q) refused", tc.query)
			}
			how, ok := Match(q, tc.indexed)
			if ok != (tc.want != "") || how != tc.want {
				t.Fatalf("Match(%+v, %+v) = %q, %v; want %q", q, tc.indexed, how, ok, tc.want)
			}
		})
	}
}

func TestParentDomains(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a.b.example.org", []string{"b.example.org", "example.org"}},
		{"www.example.org", []string{"example.org"}},
		{"example.org", nil},
		{"localhost", nil},
	}
	for _, tc := range tests {
		got := ParentDomains(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("ParentDomains(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Match agrees with the list: every parent matches, nothing else does.
		q := Observable{Kind: "domain", Value: tc.in}
		for _, cand := range []string{"org", "example.org", "b.example.org", "a.b.example.org", "c.example.org", "ample.org"} {
			how, ok := Match(q, Observable{Kind: "domain", Value: cand})
			want := slices.Contains(got, cand)
			if ok && cand == tc.in {
				continue // exact
			}
			if ok != want || (ok && how != MatchParentDomain) {
				t.Errorf("Match(%s, %s) = %q, %v; ParentDomains says %v", tc.in, cand, how, ok, want)
			}
		}
	}
}

func TestHashKinds(t *testing.T) {
	tests := []struct {
		kind string
		want []string
	}{
		{"md5", []string{"md5"}},
		{"sha1", []string{"sha1"}},
		{"sha256", []string{"sha256", "sha3-256"}},
		{"sha512", []string{"sha512", "sha3-512"}},
		{"sha3-256", nil},
		{"domain", nil},
	}
	for _, tc := range tests {
		if got := HashKinds(tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("HashKinds(%q) = %q, want %q", tc.kind, got, tc.want)
		}
	}
	HashKinds("sha256")[0] = "changed"
	if got := HashKinds("sha256")[0]; got != "sha256" {
		t.Errorf("HashKinds shares its result: %q", got)
	}
}

func TestNetOf(t *testing.T) {
	for _, tc := range []struct {
		o    Observable
		want string // "" means refused
	}{
		{Observable{Kind: "ipv4", Value: "198.51.100.7"}, "198.51.100.7/32"},
		{Observable{Kind: "ipv4", Value: "198.51.100.7/24"}, "198.51.100.0/24"},
		{Observable{Kind: "ipv6", Value: "2001:db8::/32"}, "2001:db8::/32"},
		{Observable{Kind: "ipv6", Value: "fe80::1%eth0"}, ""},
		{Observable{Kind: "domain", Value: "198.51.100.7"}, ""},
		{Observable{Kind: "ipv4", Value: "example.org"}, ""},
	} {
		p, ok := NetOf(tc.o)
		if got := map[bool]string{true: p.String(), false: ""}[ok]; got != tc.want {
			t.Errorf("NetOf(%+v) = %q, want %q", tc.o, got, tc.want)
		}
	}
}
