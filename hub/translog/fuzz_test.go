package translog

import (
	"testing"
)

// The parsers of what a hub or a witness sends are fuzzed: none may
// panic, and what parses must round-trip.

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("example.com/log\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Add("a\n0\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCheckpoint(s)
		if err == nil && len(s) > 0 && mustParseCheckpoint(c.Text()) != c {
			t.Fatalf("round trip of %q", s)
		}
	})
}

// mustParseCheckpoint parses text, which must have no extension lines.
func mustParseCheckpoint(text string) Checkpoint {
	c, err := ParseCheckpoint(text)
	if err != nil {
		panic(err)
	}
	return c
}

func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{"0/000", "1/x001/234.p/7", "entries/x001/067", "0/000.p/256"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tile, err := ParseTilePath(s)
		if err == nil && TilePath(tile) != s {
			t.Fatalf("%q parses to %+v, which prints as %q", s, tile, TilePath(tile))
		}
	})
}

func FuzzDecodeBundle(f *testing.F) {
	f.Add([]byte("\x00\x02{}\x00\x00"), 2)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		es, err := DecodeBundle(b, n)
		if err != nil {
			return
		}
		again, err := EncodeBundle(es)
		if err != nil || string(again) != string(b) {
			t.Fatalf("round trip of %x", b)
		}
	})
}

func FuzzWitnessKey(f *testing.F) {
	_, vkey, _ := GenerateWitnessKey("w.example/w")
	f.Add(vkey)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = NewCosignatureVerifier(s)
		_, _ = NewCosigner(s, nil)
	})
}
