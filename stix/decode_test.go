package stix

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDecodeBundleRejects(t *testing.T) {
	const obj = `{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`
	tests := []struct {
		name     string
		in       string
		lim      Limits
		pointer  string
		tooLarge bool
	}{
		{"empty", ``, Limits{}, "", false},
		{"truncated", `{"type":"bundle","objects":[` + obj, Limits{}, "/objects", false},
		{"truncated string", `{"type":"bun`, Limits{}, "/type", false},
		{"trailing data", `{"type":"bundle"} x`, Limits{}, "", false},
		{"two values", `{"type":"bundle"}{"type":"bundle"}`, Limits{}, "", false},
		{"duplicate key", `{"type":"bundle","type":"bundle"}`, Limits{}, "", false},
		{"case-variant key", `{"type":"bundle","TYPE":"bundle"}`, Limits{}, "", false},
		{"nested case-variant key", `{"objects":[{"id":"x","Id":"y"}]}`, Limits{}, "/objects/0", false},
		{"invalid UTF-8", "{\"name\":\"a\xffb\"}", Limits{}, "/name", false},
		{"UTF-8 surrogate", "{\"name\":\"\xed\xa0\x80\"}", Limits{}, "/name", false},
		{"overlong UTF-8", "{\"name\":\"\xc0\xaf\"}", Limits{}, "/name", false},
		{"invalid UTF-8 in key", "{\"n\xffame\":1}", Limits{}, "", false},
		{"lone high surrogate", `{"name":"\ud800"}`, Limits{}, "/name", false},
		{"lone low surrogate", `{"name":"\udc00x"}`, Limits{}, "/name", false},
		{"high surrogate then non-surrogate", `{"name":"\ud800\u0041"}`, Limits{}, "/name", false},
		{"bad escape", `{"name":"\x41"}`, Limits{}, "/name", false},
		{"short unicode escape", `{"name":"\u00"}`, Limits{}, "/name", false},
		{"raw control character", "{\"name\":\"a\nb\"}", Limits{}, "/name", false},
		{"leading zero", `{"n":01}`, Limits{}, "/n", false},
		{"plus sign", `{"n":+1}`, Limits{}, "/n", false},
		{"bare fraction", `{"n":1.}`, Limits{}, "/n", false},
		{"bare exponent", `{"n":1e}`, Limits{}, "/n", false},
		{"NaN", `{"n":NaN}`, Limits{}, "/n", false},
		{"single quotes", `{'n':1}`, Limits{}, "", false},
		{"trailing comma object", `{"n":1,}`, Limits{}, "", false},
		{"trailing comma array", `{"objects":[1,]}`, Limits{}, "/objects/1", false},
		{"comment", `{"n":1 /* c */}`, Limits{}, "", false},
		{"bad literal", `{"n":tru}`, Limits{}, "/n", false},
		{"not an object", `[]`, Limits{}, "", false},
		{"objects not array", `{"objects":{}}`, Limits{}, "/objects", false},
		{"object element not object", `{"objects":[` + obj + `,"x"]}`, Limits{}, "/objects/1", false},
		{"document too large", `{"type":"bundle"}`, Limits{MaxBytes: 8}, "", true},
		{"too deep", strings.Repeat(`{"a":`, 10_000) + "1" + strings.Repeat("}", 10_000), Limits{}, strings.Repeat("/a", 64), true},
		{"deep arrays", `{"a":` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + `}`, Limits{}, "/a" + strings.Repeat("/0", 63), true},
		{"string too long", `{"name":"` + strings.Repeat("a", 101) + `"}`, Limits{MaxString: 100}, "/name", true},
		{"escaped string too long", `{"name":"` + strings.Repeat(`\n`, 101) + `"}`, Limits{MaxString: 100}, "/name", true},
		{"too many elements", `{"a":[` + strings.Repeat("1,", 100) + `1]}`, Limits{MaxElements: 100}, "/a", true},
		{"too many members", `{` + manyMembers(101) + `}`, Limits{MaxElements: 100}, "", true},
		{"too many objects", `{"objects":[{},{},{}]}`, Limits{MaxObjects: 2}, "/objects", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(tt.in), tt.lim)
			if err == nil {
				t.Fatalf("DecodeBundle accepted %.60q: %+v", tt.in, b)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not *DecodeError: %v", err, err)
			}
			if !errors.Is(err, ErrDecode) {
				t.Errorf("error does not match ErrDecode")
			}
			if de.TooLarge != tt.tooLarge || errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("TooLarge = %v, want %v (%v)", de.TooLarge, tt.tooLarge, err)
			}
			if de.Pointer != tt.pointer {
				t.Errorf("Pointer = %q, want %q (%v)", de.Pointer, tt.pointer, err)
			}
			if de.Offset < 0 || de.Offset > len(tt.in) {
				t.Errorf("Offset %d outside input of %d bytes", de.Offset, len(tt.in))
			}
		})
	}
}

func manyMembers(n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"k`)
		sb.WriteString(strings.Repeat("x", i))
		sb.WriteString(`":1`)
	}
	return sb.String()
}

func TestDecodeManyMembersCaseVariant(t *testing.T) {
	// Past smallObject members the duplicate check switches to a folded set.
	in := `{` + manyMembers(40) + `,"KXXX":2}`
	_, err := DecodeBundle([]byte(in), Limits{})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(de.Msg, "differs only in case") {
		t.Fatalf("err = %v, want case-variant DecodeError", err)
	}
}

func TestDecodeBundleKeepsRawBytes(t *testing.T) {
	objs := []string{
		`{ "type" : "identity", "id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
		   "name":"caf\u00e9 \ud83d\ude00", "x_n": 1.50e+2 }`,
		`{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}`,
	}
	doc := "\n{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\",\"objects\":[" +
		objs[0] + " ,\t" + objs[1] + "]}\r\n"
	data := []byte(doc)
	b, err := DecodeBundle(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Objects) != 2 {
		t.Fatalf("got %d objects", len(b.Objects))
	}
	for i, o := range b.Objects {
		if string(o.Raw) != objs[i] {
			t.Errorf("object %d Raw = %q, want %q", i, o.Raw, objs[i])
		}
		// Raw aliases the input: no copy on the hot path.
		if off := bytes.Index(data, o.Raw); off < 0 || &data[off] != &o.Raw[0] {
			t.Errorf("object %d Raw is not a sub-slice of the input", i)
		}
	}
	if got := b.Objects[0].Name; got != "café 😀" {
		t.Errorf("Name = %q", got)
	}
	if got := string(b.Objects[0].Props["x_n"]); got != "1.50e+2" {
		t.Errorf("Props[x_n] = %q", got)
	}
	if b.ID != "bundle--44af6c39-c09b-49c5-9de2-394224b04982" {
		t.Errorf("ID = %q", b.ID)
	}
	if !bytes.Equal(b.Raw(), data) {
		t.Error("Bundle.Raw differs from input")
	}
}

func TestDecodeObjectFields(t *testing.T) {
	in := `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	"created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.123456789Z",
	"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","labels":["a","b"],"confidence":85,
	"revoked":true,"name":"n","description":"d","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix",
	"valid_from":"2016-01-01T00:00:00Z","valid_until":"2017-01-01T00:00:00.5Z",
	"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`
	o, err := DecodeObject([]byte(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Type", o.Type, "indicator"},
		{"SpecVersion", o.SpecVersion, "2.1"},
		{"Created", o.Created, "2016-04-06T20:03:48.000Z"},
		{"Modified", o.Modified, "2016-04-06T20:03:48.123456789Z"},
		{"ModifiedAt.Nanosecond", o.ModifiedAt.Nanosecond(), 123456789},
		{"CreatedByRef", o.CreatedByRef, "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"},
		{"Labels", strings.Join(o.Labels, ","), "a,b"},
		{"Confidence", *o.Confidence, 85},
		{"Revoked", o.Revoked, true},
		{"Pattern", o.Pattern, "[ipv4-addr:value = '1.2.3.4']"},
		{"PatternType", o.PatternType, "stix"},
		{"ValidFrom", o.ValidFrom.Year(), 2016},
		{"ValidUntil", o.ValidUntil.Nanosecond(), 500000000},
		{"MarkingRefs", len(o.MarkingRefs), 1},
		{"Props", len(o.Props), 16},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDecodeNulIsNotADecodeError(t *testing.T) {
	// \u0000 is valid JSON; it is a STIX problem (422), not a decode error (400).
	in := `{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[
	{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"a\u0000b","x_k\u0000ey":"v"}]}`
	b, err := DecodeBundle([]byte(in), Limits{})
	if err != nil {
		t.Fatalf("DecodeBundle: %v", err)
	}
	probs := validateBundle(b)
	want := map[string]bool{"/objects/0/name": false, "/objects/0/x_k\x00ey": false}
	for _, p := range probs {
		if _, ok := want[p.Pointer]; ok && strings.Contains(p.Message, "U+0000") {
			want[p.Pointer] = true
		}
	}
	for ptr, found := range want {
		if !found {
			t.Errorf("no U+0000 problem at %q; got %v", ptr, probs)
		}
	}
}

func TestDecodeLargeInputsFailFast(t *testing.T) {
	// A 50 MB string and a million-element array are refused by size
	// before any per-element work.
	big := make([]byte, 0, 50<<20+16)
	big = append(big, `{"a":"`...)
	big = append(big, bytes.Repeat([]byte("a"), 50<<20)...)
	big = append(big, `"}`...)
	million := []byte(`{"a":[` + strings.Repeat("1,", 999_999) + `1]}`)
	for name, in := range map[string][]byte{"50MB string": big, "million elements": million} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeBundle(in, Limits{})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
		})
	}
}
