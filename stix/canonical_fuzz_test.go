package stix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/stix/jsontext"
)

// FuzzDecoderCanonicaliser is the differential target of the STIX decoder
// and the JCS canonicaliser, which share stix/jsontext: whatever the
// decoder accepts with no unrepresentable number (so what Validate can
// accept) JCS canonicalises to the same value, and whatever JCS
// canonicalises the decoder accepts, except what only STIX refuses: limits
// and member names that differ only in case. When both refuse for the same
// reason they name the same byte offset.
func FuzzDecoderCanonicaliser(f *testing.F) {
	seeds := []string{
		`{"x_acme_score":1e400}`, `{"a":[1,-1E+309]}`, `{"a":1e-400}`, `[1.7976931348623157e308, 1.7976931348623159e308]`,
		`{"b":1,"a":[1.50e+2,"\u00e9\ud83d\ude00",-0,0.000001,123456789012345678]}`,
		`{"\u20ac":1,"\ufb33":2,"\ud83d\ude00":3,"\r":4,"\u0080":5}`,
		`{"a":1,"\u0061":2}`, `{"a":1,"A":2}`, `{"a\u0000":"\u0000\/\"\\\b\f\n\r\t\u001f"}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[1,]`, `{"a":01}`, ` "x" `, `[] []`,
		strings.Repeat("[", 65) + strings.Repeat("]", 65), strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
		bundleOf(validIndicator),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "oasis", "examples", "indicator-for-c2-ip-address.json")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, derr := parseDocument(data, Limits{})
		canon, cerr := jcs.Transform(data)
		decoded := derr == nil && !tree.huge
		switch {
		case decoded && cerr != nil:
			t.Fatalf("the decoder accepts %q, JCS refuses it: %v", data, cerr)
		case !decoded && cerr == nil:
			if derr == nil {
				t.Fatalf("the decoder flags a number JCS canonicalises: %q -> %s", data, canon)
			}
			if !derr.TooLarge && !strings.Contains(derr.Msg, "differs only in case") {
				t.Fatalf("JCS canonicalises %q, the decoder refuses it: %v", data, derr)
			}
		case decoded:
			again, err := parseDocument(canon, Limits{})
			if err != nil {
				t.Fatalf("the canonical form %s does not decode: %v", canon, err)
			}
			if !sameValue(&tree, &again) {
				t.Fatalf("%q canonicalises to a different value: %s", data, canon)
			}
			if fixed, err := jcs.Transform(canon); err != nil || string(fixed) != string(canon) {
				t.Fatalf("canonical form is not a fixed point: %s -> %s, %v", canon, fixed, err)
			}
		default:
			var se *jcs.SyntaxError
			if !errors.As(cerr, &se) {
				t.Fatalf("JCS error %T is not a *jcs.SyntaxError", cerr)
			}
			stixOnly := derr == nil || derr.TooLarge || strings.Contains(derr.Msg, "member name")
			jcsOnly := strings.Contains(se.Msg, "duplicate member name") || se.Msg == "number out of range"
			if !stixOnly && !jcsOnly && se.Offset != derr.Offset {
				t.Fatalf("%q: decoder refuses at offset %d (%s), JCS at %d (%s)", data, derr.Offset, derr.Msg, se.Offset, se.Msg)
			}
		}
	})
}

// sameValue reports whether two trees hold the same JSON value: numbers
// compare as the doubles they denote, objects as member sets.
func sameValue(a, b *node) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNull:
		return true
	case kindBool:
		return a.b == b.b
	case kindString:
		return a.str == b.str
	case kindNumber:
		x, ok1 := jsontext.Float([]byte(a.str))
		y, ok2 := jsontext.Float([]byte(b.str))
		return ok1 && ok2 && x == y
	}
	if len(a.members) != len(b.members) {
		return false
	}
	for i := range a.members {
		var v *node
		if a.kind == kindArray {
			v = &b.members[i].val
		} else if v = b.get(a.members[i].key); v == nil {
			return false
		}
		if !sameValue(&a.members[i].val, v) {
			return false
		}
	}
	return true
}
