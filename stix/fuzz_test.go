package stix

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeBundle checks that the decoder never panics, always returns a
// *DecodeError on failure, keeps every Object.Raw a sub-slice of the input,
// and that Validate never panics on anything the decoder accepts.
func FuzzDecodeBundle(f *testing.F) {
	seeds := []string{
		bundleOf(validIndicator),
		bundleOf(tlpAmberStrict, tlp1Red),
		`{"type":"bundle","objects":[{"a":"\ud83d\ude00\u0000","b":[1,-0.5e+3,true,null,{}]}]}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a":1,"A":2}`, `[`, `{"a":01}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "oasis", "examples", "indicator-for-c2-ip-address.json")); err == nil {
		f.Add(data)
	}
	lim := Limits{MaxDepth: 32, MaxString: 4096, MaxElements: 1024, MaxObjects: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBundle(data, lim)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not *DecodeError", err)
			}
			if de.Offset < 0 || de.Offset > len(data) {
				t.Fatalf("offset %d outside input of %d bytes", de.Offset, len(data))
			}
			return
		}
		for i, o := range b.Objects {
			if len(o.Raw) == 0 || o.Raw[0] != '{' || o.Raw[len(o.Raw)-1] != '}' {
				t.Fatalf("object %d Raw %q is not a JSON object", i, o.Raw)
			}
			if !bytes.Contains(data, o.Raw) {
				t.Fatalf("object %d Raw is not part of the input", i)
			}
			// Re-decoding the raw bytes of an object gives the same object.
			again, err := DecodeObject(o.Raw, lim)
			if err != nil {
				t.Fatalf("object %d Raw does not re-decode: %v", i, err)
			}
			if !sameJSON(again.tree, o.tree) {
				t.Fatalf("object %d re-decodes differently", i)
			}
		}
		for _, p := range validateBundle(b) {
			if p.Code != CodeInvalidObject && p.Code != CodeInvalidPattern {
				t.Fatalf("problem with unknown code %q", p.Code)
			}
		}
	})
}
