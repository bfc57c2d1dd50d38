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

// TestWithoutMember checks the splice against a second canonicalisation.
func TestWithoutMember(t *testing.T) {
	for _, in := range []string{
		`{"e":{"extension_type":"p","recipients":["a"],"signature":"s.x"}}`,
		`{"e":{"signature":"s","z":1}}`,
		`{"e":{"signature":{"a":"b,}"}}}`,
		`{"a":1,"e":{"a":[1,2],"signature":"s"},"z":2}`,
	} {
		whole, err := jcs.Transform([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		ext, _ := member(whole, "e")
		val, ok := member(ext, "signature")
		if !ok {
			t.Fatalf("%s: no signature", in)
		}
		want, err := jcs.TransformWithout(whole, "e", "signature")
		if err != nil {
			t.Fatal(err)
		}
		if got := withoutMember(whole, val, "signature"); string(got) != string(want) {
			t.Errorf("withoutMember(%s) = %s, want %s", in, got, want)
		}
	}
}
