package pattern

import (
	"errors"
	"regexp"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks, for any input, that Parse neither panics nor returns
// a malformed error, and that a successful parse renders to a canonical
// form that parses back to itself with the same observables.
func FuzzParse(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.Pattern)
	}
	for _, s := range []string{
		"([a-b:c[*].'d' NOT IN (1, -2.5, b'QQ==', h'00', t'2020-01-01T00:00:00Z', true)] AND [EXISTS x-y:z]) REPEATS 2 TIMES WITHIN 0.5 SECONDS FOLLOWEDBY [aaa:b MATCHES '^x'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:60Z'",
		"[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR ipv6-addr:value = '::1'] // c\n /* d */",
		"[file:a = 'x\\'y\\\\z']",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParseWithLimits(src, Limits{MaxLength: 4096, MaxDepth: 16})
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %T, want *Error", err)
			}
			if perr.Line < 1 || perr.Column < 1 || perr.Offset < 0 || perr.Offset > len(src) {
				t.Fatalf("error position out of range: %+v for %d bytes", perr, len(src))
			}
			if utf8.ValidString(src) && perr.Column > utf8.RuneCountInString(src)+1 {
				t.Fatalf("error column %d beyond input: %+v", perr.Column, perr)
			}
			return
		}
		// Validation parses MATCHES expressions without compiling them;
		// it must accept exactly what regexp.Compile accepts.
		walkExpr(p.Root, func(pt *PropTest) {
			if pt.Op != OpMatches {
				return
			}
			if _, err := regexp.Compile(pt.Value.Str); err != nil {
				t.Errorf("accepted MATCHES %s, which regexp.Compile rejects: %v", pt.Value.Raw, err)
			}
		})
		canon := p.String()
		q, err := ParseWithLimits(canon, Limits{MaxLength: 1 << 20, MaxDepth: 64})
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
		}
		if again := q.String(); again != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, again)
		}
		a, b := p.Observables(), q.Observables()
		if len(a) != len(b) {
			t.Fatalf("observables differ after round trip: %v vs %v", a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("observables differ after round trip: %v vs %v", a, b)
			}
			if !lookupable[a[i].Kind] {
				continue
			}
			if got, ok := Classify(a[i].Value); !ok || got.Value != a[i].Value {
				t.Fatalf("Classify(%q) = %+v, %v; extracted %+v", a[i].Value, got, ok, a[i])
			}
		}
	})
}
