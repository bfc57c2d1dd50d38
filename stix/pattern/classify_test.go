package pattern

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		in         string
		kind, want string // kind "" means not recognised
	}{
		{"198.51.100.1", "ipv4", "198.51.100.1"},
		{" 198.51.100.1\n", "ipv4", "198.51.100.1"},
		{"198.51.100.1/32", "ipv4", "198.51.100.1"},
		{"198.51.100.7/24", "ipv4", "198.51.100.0/24"},
		{"2001:DB8::0:1", "ipv6", "2001:db8::1"},
		{"2001:db8::/32", "ipv6", "2001:db8::/32"},
		{"::ffff:10.0.0.1", "ipv6", "::ffff:10.0.0.1"},
		{"fe80::1%eth0", "", ""},
		{"10.0.0.0/33", "", ""},
		{"Example.COM.", "domain", "example.com"},
		{"www.5z8.info", "domain", "www.5z8.info"},
		{"_dmarc.example.com", "domain", "_dmarc.example.com"},
		{"bücher.example", "domain", "bücher.example"},
		{"localhost", "domain", "localhost"},
		{"abc123", "domain", "abc123"},
		{"a..b", "", ""},
		{"exa mple.com", "", ""},
		{strings.Repeat("a", 64) + ".com", "", ""},
		{"John.Doe@Example.COM", "email", "john.doe@example.com"},
		{"@example.com", "", ""},
		{"a@b@c.com", "", ""},
		{"a@localhost.", "email", "a@localhost."},
		{"http://Example.com/Path?q=1", "url", "http://Example.com/Path?q=1"},
		{"hxxp://example.com", "url", "hxxp://example.com"},
		{"http://", "", ""},
		{"CEAD3F77F6CDA6EC00F57D76C9A6879F", "md5", "cead3f77f6cda6ec00f57d76c9a6879f"},
		{"2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", "sha1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
		{hex64, "sha256", hex64},
		{hex64 + hex64, "sha512", hex64 + hex64},
		{"", "", ""},
		{"just words", "", ""},
		// a digest-shaped name would normalise to a hash: refused
		{strings.Repeat("A", 32) + ".", "", ""},
		{strings.Repeat("a", 40) + ".", "", ""},
		{strings.Repeat("a", 31) + ".", "domain", strings.Repeat("a", 31)},
		{strings.Repeat("a", 32) + ".example", "domain", strings.Repeat("a", 32) + ".example"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Classify(tt.in)
			if tt.kind == "" {
				if ok {
					t.Errorf("Classify(%q) = %+v, want not recognised", tt.in, got)
				}
				return
			}
			want := Observable{Kind: tt.kind, Value: tt.want}
			if !ok || got != want {
				t.Errorf("Classify(%q) = %+v, %v; want %+v", tt.in, got, ok, want)
			}
		})
	}
}

func TestClassifyPrefersURLOverEmail(t *testing.T) {
	got, ok := Classify("http://user@example.com/x")
	if want := (Observable{Kind: "url", Value: "http://user@example.com/x"}); !ok || got != want {
		t.Errorf("Classify = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := Classify("http://example.com/a b"); ok {
		t.Errorf("URL with a space classified")
	}
}

func TestClassifyHash(t *testing.T) {
	tests := []struct {
		alg, digest string
		kind, want  string // kind "" means refused
	}{
		{"SHA-256", strings.ToUpper(hex64), "sha256", hex64},
		{"sha-256", hex64, "sha256", hex64},
		{"SHA256", hex64, "sha256", hex64},
		{"MD5", " CEAD3F77F6CDA6EC00F57D76C9A6879F ", "md5", "cead3f77f6cda6ec00f57d76c9a6879f"},
		{"SHA-1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", "sha1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
		{"SHA-512", hex64 + hex64, "sha512", hex64 + hex64},
		{"SHA3-256", hex64, "sha3-256", hex64},
		{"SHA3-512", hex64 + hex64, "sha3-512", hex64 + hex64},
		{"SSDEEP", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C", "ssdeep", "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"},
		{"TLSH", "ABCDEF0123", "tlsh", "abcdef0123"},
		{"x-custom", "Whatever", "x-custom", "Whatever"},
		{"MD5", "abc", "", ""},
		{"SHA-256", "g" + hex64[1:], "", ""},
		{"MD5", "", "", ""},
	}
	for _, tt := range tests {
		got, ok := ClassifyHash(tt.alg, tt.digest)
		if tt.kind == "" {
			if ok {
				t.Errorf("ClassifyHash(%q, %q) = %+v, want refused", tt.alg, tt.digest, got)
			}
			continue
		}
		if want := (Observable{Kind: tt.kind, Value: tt.want}); !ok || got != want {
			t.Errorf("ClassifyHash(%q, %q) = %+v, %v; want %+v", tt.alg, tt.digest, got, ok, want)
		}
	}
}

// classifySeeds are inputs near the edges between kinds.
var classifySeeds = []string{
	"198.51.100.1", "198.51.100.7/24", "::ffff:10.0.0.1", "2001:DB8::/32", "fe80::1%eth0",
	"Example.COM.", "localhost", "bücher.example", "İ.example", "a@localhost.", "John.Doe@Example.COM",
	"http://Example.com/Path?q=1", "a://b@example.com", "http://x.example/\u00a0",
	strings.Repeat("A", 32) + ".", strings.Repeat("a", 40) + ".", strings.ToUpper(hex64), hex64 + hex64 + ".",
	"1.2.3.4.", "", " ", "..",
}

// Classify is idempotent: its normalised value classifies as the same
// observable, so a value echoed back or stored can be looked up again.
func TestClassifyIdempotent(t *testing.T) {
	for _, in := range classifySeeds {
		checkIdempotent(t, in)
	}
}

func FuzzClassify(f *testing.F) {
	for _, in := range classifySeeds {
		f.Add(in)
	}
	f.Fuzz(checkIdempotent)
}

func checkIdempotent(t *testing.T, in string) {
	t.Helper()
	o, ok := Classify(in)
	if !ok {
		return
	}
	again, ok := Classify(o.Value)
	if !ok || again != o {
		t.Fatalf("Classify(%q) = %+v, but Classify(%q) = %+v, %v", in, o, o.Value, again, ok)
	}
	if how, ok := Match(o, o); !ok || how != MatchExact {
		t.Fatalf("Match(%+v, itself) = %q, %v; want exact", o, how, ok)
	}
}
