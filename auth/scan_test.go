package auth

import (
	"slices"
	"testing"

	"github.com/jag-hub/jag/auth/jcs"
)

func TestMember(t *testing.T) {
	doc, err := jcs.Transform([]byte(`{"b":[1,{"x":"}"}],"a":"q\"}","c":{"d":{}},"e":true,"f":-1.5,"g":null}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"a", `"q\"}"`, true},
		{"b", `[1,{"x":"}"}]`, true},
		{"c", `{"d":{}}`, true},
		{"e", `true`, true},
		{"f", `-1.5`, true},
		{"g", `null`, true},
		{"x", ``, false},
		{"d", ``, false},
	}
	for _, tt := range tests {
		got, ok := member(doc, tt.name)
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("member(%q) = %s, %v; want %s, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if got := memberNames(doc); !slices.Equal(got, []string{"a", "b", "c", "e", "f", "g"}) {
		t.Errorf("memberNames = %v", got)
	}
}

// TestWithout checks the splice against the canonical form of the object
// decoded, edited and canonicalised by other means.
func TestWithout(t *testing.T) {
	for _, in := range []string{
		`{"extensions":{"` + ExtensionID + `":{"extension_type":"p","recipients":["a"],"signature":"s.x"}}}`,
		`{"extensions":{"` + ExtensionID + `":{"signature":"s","z":1}}}`,
		`{"extensions":{"` + ExtensionID + `":{"signature":{"a":"b,}"}}}}`,
		`{"a":1,"extensions":{"` + ExtensionID + `":{"a":[1,2],"signature":"s"},"z":{"signature":1}},"z":2}`,
		`{"extensions":{"` + ExtensionID + `":{"signature":"s"}},"signature":"top"}`,
		`{"extensions":{"` + ExtensionID + `":{"\u0000":"\"","signature":"s\n"}}}`,
	} {
		whole, err := jcs.Transform([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		at, ok := locate(whole, "extensions", ExtensionID, "signature")
		if !ok {
			t.Fatalf("%s: no signature", in)
		}
		if got, want := without(whole, at), payloadOf(t, whole); string(got) != string(want) {
			t.Errorf("without(%s) = %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{`{"extensions":{}}`, `{"extensions":[{"signature":1}]}`, `{"signature":1}`, `[]`} {
		if at, ok := locate([]byte(in), "extensions", ExtensionID, "signature"); ok {
			t.Errorf("locate(%s) = %+v, want absent", in, at)
		}
	}
}

func TestStringArray(t *testing.T) {
	for in, want := range map[string][]string{`[]`: {}, `["a","\u00e9"]`: {"a", "é"}} {
		if got, ok := stringArray([]byte(in)); !ok || !slices.Equal(got, want) || got == nil {
			t.Errorf("stringArray(%s) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{`null`, `["a",1]`, `"a"`, `[] []`, `{}`} {
		if got, ok := stringArray([]byte(in)); ok {
			t.Errorf("stringArray(%s) = %q, want refusal", in, got)
		}
	}
}
