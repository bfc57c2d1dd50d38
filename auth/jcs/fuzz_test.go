package jcs

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzTransform checks that Transform never panics, that its output is
// valid JSON, and that the canonical form is a fixed point.
func FuzzTransform(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1.5e300,"\u00e9\ud83d\ude00"]}`, `[]`, `"x"`, `-0.0`, `{"\u20ac":1,"\ufb33":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Transform(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
		again, err := Transform(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not a fixed point: %q -> %q, %v", out, again, err)
		}
	})
}
