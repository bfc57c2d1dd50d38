package stix

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTLP(t *testing.T) {
	tests := []struct {
		in   string
		want TLP
	}{
		{"clear", TLPClear}, {"CLEAR", TLPClear}, {"white", TLPClear}, {"TLP:WHITE", TLPClear},
		{"green", TLPGreen}, {"Amber", TLPAmber}, {"amber+strict", TLPAmberStrict},
		{"TLP:AMBER+STRICT", TLPAmberStrict}, {"red", TLPRed},
		{"", ""}, {"amber strict", ""}, {"purple", ""},
	}
	for _, tt := range tests {
		got, err := ParseTLP(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrTLP) {
				t.Errorf("ParseTLP(%q) = %q, %v; want ErrTLP", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTLP(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestTLPRank(t *testing.T) {
	order := []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}
	for i, l := range order {
		if l.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", l, l.Rank(), i)
		}
	}
	if TLP("bogus").Rank() != TLPRed.Rank() {
		t.Error("unknown level must rank as red")
	}
}

func TestMarkingTLP(t *testing.T) {
	tests := []struct {
		id   string
		want TLP
	}{
		{TLPClearID, TLPClear}, {TLPGreenID, TLPGreen}, {TLPAmberID, TLPAmber},
		{TLPAmberStrictID, TLPAmberStrict}, {TLPRedID, TLPRed},
		{TLP1WhiteID, TLPClear}, {TLP1GreenID, TLPGreen}, {TLP1AmberID, TLPAmber}, {TLP1RedID, TLPRed},
		{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := MarkingTLP(tt.id)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("MarkingTLP(%q) = %q, %v; want %q", tt.id, got, ok, tt.want)
		}
	}
}

func TestObjectTLP(t *testing.T) {
	const custom = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41dd"
	known := func(id string) bool { return id == custom }
	tests := []struct {
		name  string
		refs  []string
		known func(string) bool
		want  TLP
	}{
		{"none gives default", nil, known, TLPAmber},
		{"only known statement gives default", []string{custom}, known, TLPAmber},
		{"green", []string{TLPGreenID}, known, TLPGreen},
		{"1.0 white maps to clear", []string{TLP1WhiteID}, known, TLPClear},
		{"most restrictive wins", []string{TLPGreenID, TLPAmberStrictID, TLP1AmberID}, known, TLPAmberStrict},
		{"clear below default stays clear", []string{TLPClearID, custom}, known, TLPClear},
		{"unknown ref is red", []string{TLPClearID, "marking-definition--00000000-0000-4000-8000-000000000000"}, known, TLPRed},
		{"nil known: every other ref is red", []string{custom}, nil, TLPRed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ObjectTLP(tt.refs, tt.known, TLPAmber); got != tt.want {
				t.Errorf("ObjectTLP = %q, want %q", got, tt.want)
			}
		})
	}
}

// tlpObject returns the OASIS content of a predefined marking, reordered
// and re-spaced (semantic comparison must not care).
const tlpAmberStrict = `{
  "name": "TLP:AMBER+STRICT", "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  "type": "marking-definition", "spec_version": "2.1", "created": "2022-10-01T00:00:00.000Z",
  "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
    {"tlp_2_0": "amber+strict", "extension_type": "property-extension"}}}`

const tlp1Red = `{"type":"marking-definition","spec_version":"2.1",
  "id":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed","created":"2017-01-20T00:00:00.000Z",
  "definition_type":"tlp","name":"TLP:RED","definition":{"tlp":"red"}}`

func TestPredefinedTLPMarking(t *testing.T) {
	tests := []struct {
		name string
		json string
		want bool
	}{
		{"2.0 amber+strict", tlpAmberStrict, true},
		{"1.0 red", tlp1Red, true},
		{"altered level", strings.Replace(tlpAmberStrict, `"tlp_2_0": "amber+strict"`, `"tlp_2_0": "clear"`, 1), false},
		{"altered name", strings.Replace(tlp1Red, `"TLP:RED"`, `"TLP:CLEAR"`, 1), false},
		{"extra member", strings.Replace(tlp1Red, `"name"`, `"x_note":"mine","name"`, 1), false},
		{"missing member", strings.Replace(tlp1Red, `"spec_version":"2.1",`, ``, 1), false},
		{"other id", strings.Replace(tlp1Red, "5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "5e57c739-391a-4eb3-b6be-7d15ca92d5ee", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := DecodeObject([]byte(tt.json), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := IsPredefinedTLPMarking(o); got != tt.want {
				t.Errorf("IsPredefinedTLPMarking = %v, want %v", got, tt.want)
			}
			// Validation agrees: a TLP id with other content is invalid.
			probs := validateObject(o, "")
			reuse := false
			for _, p := range probs {
				reuse = reuse || strings.Contains(p.Message, "predefined")
			}
			if _, isTLP := MarkingTLP(o.ID); isTLP && reuse == tt.want {
				t.Errorf("ValidateObject TLP-reuse problem = %v, want %v: %v", reuse, !tt.want, probs)
			}
			if tt.want && len(probs) > 0 {
				t.Errorf("predefined marking has problems: %v", probs)
			}
		})
	}
	if IsPredefinedTLPMarking(nil) {
		t.Error("nil object is not a marking")
	}
	// An Object built from raw bytes alone (e.g. loaded from storage) is
	// recognised too.
	if !IsPredefinedTLPMarking(&Object{ID: TLPRedID, Raw: []byte(tlp2JSON(TLPRedID, "TLP:RED", "red"))}) {
		t.Error("hand-built Object with the OASIS content not recognised")
	}
}

func TestPredefinedMarkingsAreValid(t *testing.T) {
	ids := []string{TLPClearID, TLPGreenID, TLPAmberID, TLPAmberStrictID, TLPRedID,
		TLP1WhiteID, TLP1GreenID, TLP1AmberID, TLP1RedID}
	for _, id := range ids {
		m, ok := lookupTLPMarking(id)
		if !ok {
			t.Fatalf("%s not predefined", id)
		}
		o, err := DecodeObject([]byte(m.content(id)), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if probs := validateObject(o, ""); probs != nil {
			t.Errorf("%s: %v", id, probs)
		}
		if !IsPredefinedTLPMarking(o) {
			t.Errorf("%s: own content not recognised", id)
		}
	}
}
