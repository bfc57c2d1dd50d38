package export

import (
	"encoding/hex"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
	"golang.org/x/net/idna"
)

// synthetic is a mixed set of observables as the index holds them.
func synthetic() []pattern.Observable {
	var obs []pattern.Observable
	for _, v := range []string{"198.51.100.7", "10.0.0.0/8", "203.0.113.0/24", "2001:db8::1", "2001:db8:1::/48",
		"0.0.0.0/0", "192.0.2.0/7", "::/0", "2001::/8", "::ffff:192.0.2.1"} {
		o, ok := pattern.Classify(v)
		if !ok {
			panic(v)
		}
		obs = append(obs, o)
	}
	for _, v := range []string{"evil.example", "Bücher.example", "xn--bcher-kva.example", "a_b.example", "münchen.de",
		"www.xn--mnchen-3ya.de", "zz.example", "xn--zz.example", "例え.テスト", "ab--cd.example"} {
		if o, ok := pattern.Classify(v); ok {
			obs = append(obs, o)
		}
	}
	for _, v := range []string{"http://evil.example/a?b=c", "https://bücher.example/päth", "http://198.51.100.7:8080/x"} {
		o, ok := pattern.Classify(v)
		if !ok {
			panic(v)
		}
		obs = append(obs, o)
	}
	for _, v := range []string{strings.Repeat("ab", 16), strings.Repeat("CD", 20), strings.Repeat("e0", 32)} {
		o, ok := pattern.Classify(v)
		if !ok {
			panic(v)
		}
		obs = append(obs, o)
	}
	return obs
}

// TestListsParse checks that every line of every list format parses as
// what it claims, that lists are sorted and distinct, and that networks
// broader than the minimum prefixes are left out.
func TestListsParse(t *testing.T) {
	obs := synthetic()
	for _, file := range datasets {
		obs = append(obs, observablesOf(t, indicatorsOf(t, file))...)
	}
	check := map[Format]func(string) error{
		IP: func(l string) error {
			p, err := netip.ParsePrefix(l)
			if err != nil {
				a, aerr := netip.ParseAddr(l)
				if aerr != nil {
					return err
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			if p.Masked() != p {
				return errString("not masked")
			}
			if p.Addr().Is4() && p.Bits() < MinPrefix4 || !p.Addr().Is4() && p.Bits() < MinPrefix6 {
				return errString("too broad")
			}
			return nil
		},
		Domain: func(l string) error {
			u, err := idna.Lookup.ToUnicode(l)
			if err != nil && !strings.Contains(l, "_") {
				return err
			}
			if a, ok := ALabel(u); !ok || a != l {
				return errString("not an A-label name")
			}
			if strings.ToLower(l) != l || !isASCII(l) {
				return errString("not lower-case ASCII")
			}
			return nil
		},
		URL: func(l string) error {
			u, err := url.Parse(l)
			if err == nil && (u.Scheme == "" || u.Host == "") {
				return errString("not absolute")
			}
			return err
		},
		SHA256: hexOf(64), SHA1: hexOf(40), MD5: hexOf(32),
	}
	for f, ok := range check {
		t.Run(string(f), func(t *testing.T) {
			got := lines(t, write(t, f, Meta{}, valueStream(obs, f.Kinds()...)))
			if len(got) == 0 {
				t.Fatal("empty list")
			}
			for _, l := range got {
				if err := ok(l); err != nil {
					t.Errorf("line %q: %v", l, err)
				}
			}
			if f != IP && !slices.IsSorted(got) {
				t.Errorf("not sorted: %q", got)
			}
			if len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("duplicates in %q", got)
			}
		})
	}
	ips := lines(t, write(t, IP, Meta{}, valueStream(obs, IP.Kinds()...)))
	for _, broad := range []string{"0.0.0.0/0", "::/0", "192.0.2.0/7", "2001::/8"} {
		if slices.Contains(ips, broad) || slices.Contains(ips, mustPrefix(broad).Masked().String()) {
			t.Errorf("ip list holds the too broad network %s", broad)
		}
	}
	for _, want := range []string{"10.0.0.0/8", "198.51.100.7", "2001:db8::1", "2001:db8:1::/48"} {
		if !slices.Contains(ips, want) {
			t.Errorf("ip list lacks %s: %q", want, ips)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func hexOf(n int) func(string) error {
	return func(l string) error {
		if len(l) != n || strings.ToLower(l) != l {
			return errString("wrong length or case")
		}
		_, err := hex.DecodeString(l)
		return err
	}
}

// TestDomainMerge checks that internationalised names are merged as
// A-labels into the sorted stream, deduplicated against the same name
// written as A-labels, and that names IDNA refuses are dropped.
func TestDomainMerge(t *testing.T) {
	recs := []Record{
		{Kind: "domain", Value: "bücher.example"},
		{Kind: "domain", Value: "münchen.de"},
		{Kind: "domain", Value: "a.example"},
		{Kind: "domain", Value: "xn--bcher-kva.example"},
		{Kind: "domain", Value: "xn--zz.example"}, // not valid punycode
		{Kind: "domain", Value: "zz.example"},
	}
	got := lines(t, write(t, Domain, Meta{}, recs))
	want := []string{"a.example", "xn--bcher-kva.example", "xn--mnchen-3ya.de", "zz.example"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
