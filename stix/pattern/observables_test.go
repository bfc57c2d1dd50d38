package pattern

import (
	"reflect"
	"testing"
)

func TestObservables(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Observable
	}{
		{"domain", "[domain-name:value = 'Example.COM.']",
			[]Observable{{Kind: "domain", Value: "example.com", Path: "domain-name:value", Op: "="}}},
		{"ipv4", "[ipv4-addr:value = '198.51.100.1']",
			[]Observable{{Kind: "ipv4", Value: "198.51.100.1", Path: "ipv4-addr:value", Op: "="}}},
		{"ipv4 /32 is the address", "[ipv4-addr:value = '198.51.100.1/32']",
			[]Observable{{Kind: "ipv4", Value: "198.51.100.1", Path: "ipv4-addr:value", Op: "="}}},
		{"ipv4 CIDR masked", "[ipv4-addr:value = '10.1.2.3/8']",
			[]Observable{{Kind: "ipv4", Value: "10.0.0.0/8", Path: "ipv4-addr:value", Op: "="}}},
		{"ipv6 canonical", "[ipv6-addr:value = '2001:0db8:DEAD:beef:0000:0000:0000:0001/128']",
			[]Observable{{Kind: "ipv6", Value: "2001:db8:dead:beef::1", Path: "ipv6-addr:value", Op: "="}}},
		{"ipv6 prefix", "[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
			[]Observable{{Kind: "ipv6", Value: "2001:db8:dead:beef::/64", Path: "ipv6-addr:value", Op: "ISSUBSET"}}},
		{"IN set", "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]", []Observable{
			{Kind: "ipv4", Value: "10.0.0.1", Path: "ipv4-addr:value", Op: "IN"},
			{Kind: "ipv4", Value: "10.0.0.2", Path: "ipv4-addr:value", Op: "IN"},
		}},
		{"network-traffic ref by family", "[network-traffic:dst_ref.value = '203.0.113.33/32' OR network-traffic:src_ref.value = '2001:db8::1']", []Observable{
			{Kind: "ipv4", Value: "203.0.113.33", Path: "network-traffic:dst_ref.value", Op: "="},
			{Kind: "ipv6", Value: "2001:db8::1", Path: "network-traffic:src_ref.value", Op: "="},
		}},
		{"network-traffic ref to domain", "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'Example.com']",
			[]Observable{{Kind: "domain", Value: "example.com", Path: "network-traffic:dst_ref.value", Op: "="}}},
		{"resolves_to_refs", "[domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
			[]Observable{{Kind: "ipv4", Value: "198.51.100.1", Path: "domain-name:resolves_to_refs[*].value", Op: "="}}},
		{"url as written", "[url:value = 'http://Example.com/Foo']",
			[]Observable{{Kind: "url", Value: "http://Example.com/Foo", Path: "url:value", Op: "="}}},
		{"email", "[email-addr:value = 'John.Doe@Example.com']",
			[]Observable{{Kind: "email", Value: "john.doe@example.com", Path: "email-addr:value", Op: "="}}},
		{"email refs", "[email-message:from_ref.value = 'a@b.example' AND email-message:to_refs[0].value = 'c@d.example']", []Observable{
			{Kind: "email", Value: "a@b.example", Path: "email-message:from_ref.value", Op: "="},
			{Kind: "email", Value: "c@d.example", Path: "email-message:to_refs[0].value", Op: "="},
		}},
		{"hashes", "[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' OR file:hashes.'SHA-1' = '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12']", []Observable{
			{Kind: "sha256", Value: "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", Path: "file:hashes.'SHA-256'", Op: "="},
			{Kind: "md5", Value: "cead3f77f6cda6ec00f57d76c9a6879f", Path: "file:hashes.MD5", Op: "="},
			{Kind: "sha1", Value: "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", Path: "file:hashes.'SHA-1'", Op: "="},
		}},
		{"lower-case algorithm", "[file:hashes.md5 = '001DD76872D80801692FF942308C64E6']",
			[]Observable{{Kind: "md5", Value: "001dd76872d80801692ff942308c64e6", Path: "file:hashes.md5", Op: "="}}},
		{"sha3 and ssdeep", "[artifact:hashes.'SHA3-256' = '" + hex64 + "' AND x509-certificate:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']", []Observable{
			{Kind: "sha3-256", Value: hex64, Path: "artifact:hashes.'SHA3-256'", Op: "="},
			{Kind: "ssdeep", Value: "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", Path: "x509-certificate:hashes.SSDEEP", Op: "="},
		}},
		{"nested hashes", "[file:extensions.'windows-pebinary-ext'.sections[*].hashes.'SHA-256' = '" + hex64 + "']",
			[]Observable{{Kind: "sha256", Value: hex64, Path: "file:extensions.'windows-pebinary-ext'.sections[*].hashes.'SHA-256'", Op: "="}}},
		{"deduplicated across observations", "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'A.example.'] WITHIN 5 SECONDS",
			[]Observable{{Kind: "domain", Value: "a.example", Path: "domain-name:value", Op: "="}}},
		{"same value, different op kept", "[domain-name:value = 'a.example' OR domain-name:value IN ('a.example')]", []Observable{
			{Kind: "domain", Value: "a.example", Path: "domain-name:value", Op: "="},
			{Kind: "domain", Value: "a.example", Path: "domain-name:value", Op: "IN"},
		}},

		// Nothing positive to index.
		{"negated equality", "[domain-name:value NOT = 'a.example']", nil},
		{"not equal", "[domain-name:value != 'a.example']", nil},
		{"negated IN", "[ipv4-addr:value NOT IN ('10.0.0.1')]", nil},
		{"negated ISSUBSET", "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", nil},
		{"ISSUPERSET", "[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", nil},
		{"LIKE", "[domain-name:value LIKE '%.example']", nil},
		{"MATCHES", "[domain-name:value MATCHES '^a']", nil},
		{"EXISTS", "[EXISTS domain-name:value]", nil},
		{"other property", "[file:name = 'a.example']", nil},
		{"type is not value", "[network-traffic:dst_ref.type = 'ipv4-addr']", nil},
		{"not a domain", "[domain-name:value = 'domain autuo.xicp.net']", nil},
		{"domain that is an IP", "[domain-name:value = '10.0.0.1']", nil},
		// Top-level ipv4-addr, ipv6-addr, url and email-addr values of the
		// wrong shape no longer parse (TestValueRules); by reference they
		// still do, and are skipped.
		{"zoned IP by reference", "[network-traffic:dst_ref.value = 'fe80::1%eth0']", nil},
		{"bad email by reference", "[email-message:from_ref.value = 'a b@@example.com']", nil},
		{"md5 of wrong length", "[file:hashes.MD5 = 'abc']", nil},
		{"md5 not hex", "[file:hashes.MD5 = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz']", nil},
		{"non-string value", "[ipv4-addr:value = 167772161]", nil},
		{"ISSUBSET on a domain path", "[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8' AND domain-name:value ISSUBSET '10.0.0.1']", []Observable{
			{Kind: "ipv4", Value: "10.0.0.0/8", Path: "network-traffic:dst_ref.value", Op: "ISSUBSET"},
		}},
		{"hashes key alone", "[file:hashes = 'x']", nil},
		{"index as last step", "[email-message:to_refs[0] = 'a@b.example']", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Observables(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Observables(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

const hex64 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"

// lookupable lists the kinds whose values Classify recognises. Classify
// names a hash by its length alone, so only the value is compared; other
// hash algorithms (ssdeep, tlsh, custom) are not recognisable by shape.
var lookupable = map[string]bool{
	"ipv4": true, "ipv6": true, "domain": true, "url": true, "email": true,
	"md5": true, "sha1": true, "sha256": true, "sha512": true, "sha3-256": true, "sha3-512": true,
}

// TestObservablesMeetClassify checks the contract between extraction and
// lookup: every lookupable value extracted from the corpus classifies
// back to itself.
func TestObservablesMeetClassify(t *testing.T) {
	n := 0
	for _, c := range loadCorpus(t) {
		p, err := Parse(c.Pattern)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.Pattern, err)
		}
		for _, o := range p.Observables() {
			n++
			if !lookupable[o.Kind] {
				continue
			}
			got, ok := Classify(o.Value)
			if !ok || got.Value != o.Value {
				t.Errorf("Classify(%q) = %+v, %v; extracted from %q as %+v", o.Value, got, ok, c.Pattern, o)
			}
		}
	}
	// 2 007 domains and 29 e-mail addresses in the datasets, more in the examples.
	if n < 2036 {
		t.Errorf("%d observables extracted from the corpus, want at least 2036", n)
	}
}
