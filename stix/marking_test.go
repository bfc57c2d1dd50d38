package stix

import (
	"slices"
	"strings"
	"testing"
)

func TestEffectiveTLP(t *testing.T) {
	const statement = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41dd"
	const unknown = "marking-definition--00000000-0000-4000-8000-000000000000"
	known := func(id string) bool { return id == statement }
	granular := func(refs ...string) string {
		var parts []string
		for _, r := range refs {
			parts = append(parts, `{"marking_ref":"`+r+`","selectors":["description"]}`)
		}
		return `"granular_markings":[` + strings.Join(parts, ",") + `]`
	}
	tests := []struct {
		name     string
		props    string
		wantRefs []string
		want     TLP
	}{
		{"no marking: default", `"name":"x"`, nil, TLPAmber},
		{"object level only", `"object_marking_refs":["` + TLPGreenID + `"]`, []string{TLPGreenID}, TLPGreen},
		{"granular RED beats object GREEN", `"object_marking_refs":["` + TLPGreenID + `"],` + granular(TLPRedID), []string{TLPGreenID, TLPRedID}, TLPRed},
		{"granular CLEAR does not lower object AMBER+STRICT", `"object_marking_refs":["` + TLPAmberStrictID + `"],` + granular(TLPClearID), []string{TLPAmberStrictID, TLPClearID}, TLPAmberStrict},
		{"only granular: no default", granular(TLPGreenID), []string{TLPGreenID}, TLPGreen},
		{"only granular unknown: RED", granular(unknown), []string{unknown}, TLPRed},
		{"only granular known statement: default", granular(statement), []string{statement}, TLPAmber},
		{"duplicates once", `"object_marking_refs":["` + TLPGreenID + `"],` + granular(TLPGreenID, TLP1AmberID, TLPGreenID), []string{TLPGreenID, TLP1AmberID}, TLPAmber},
		{"lang-only granular marking", `"object_marking_refs":["` + TLPClearID + `"],"granular_markings":[{"lang":"fr","selectors":["description"]}]`, []string{TLPClearID}, TLPClear},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := DecodeObject([]byte(`{"type":"indicator","description":"d",`+tt.props+`}`), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := AllMarkingRefs(o); !slices.Equal(got, tt.wantRefs) {
				t.Errorf("AllMarkingRefs = %v, want %v", got, tt.wantRefs)
			}
			if got := EffectiveTLP(o, known, TLPAmber); got != tt.want {
				t.Errorf("EffectiveTLP = %s, want %s", got, tt.want)
			}
		})
	}
	// An Object built by hand (no parse tree) is read from Raw.
	o := &Object{Raw: []byte(`{"type":"x-a","granular_markings":[{"marking_ref":"` + unknown + `","selectors":["x"]}]}`)}
	if got := EffectiveTLP(o, known, TLPClear); got != TLPRed {
		t.Errorf("hand-built object: EffectiveTLP = %s, want TLP:RED", got)
	}
	if AllMarkingRefs(nil) != nil {
		t.Error("AllMarkingRefs(nil) != nil")
	}
}

// TestCounterfeitTLP: STIX 2.1 §7.2.1.4 allows no TLP marking definitions
// but the predefined TLP 1.0 ones, and the TLP 2.0 extension publishes
// exactly five: a fresh id with definition_type "tlp" or the TLP 2.0
// extension is refused, with a pointer to the offending member.
func TestCounterfeitTLP(t *testing.T) {
	const fresh = "marking-definition--3a9e1b61-64d3-4bd3-9a1a-4b0a2e37e0a1"
	tests := []struct {
		name, obj, pointer string
	}{
		{"TLP 1.0 form, fresh id", edit(t, tlp1Red, "5e57c739-391a-4eb3-b6be-7d15ca92d5ed", fresh[len("marking-definition--"):]), "/objects/0/definition_type"},
		{"TLP 1.0 form, fresh id, white", `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created":"2020-01-01T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"white"}}`, "/objects/0/definition_type"},
		{"TLP 2.0 extension, fresh id", edit(t, tlpAmberStrict, "939a9414-2ddd-4d32-a0cd-375ea402b003", fresh[len("marking-definition--"):]), "/objects/0/extensions/" + TLP2ExtensionID},
		{"TLP 2.0 extension beside a statement", `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created":"2020-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"s"},
			"extensions":{"` + TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`, "/objects/0/extensions/" + TLP2ExtensionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(bundleOf(tt.obj)), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, probs := Validate(b)
			for _, p := range probs {
				if p.Pointer == tt.pointer && p.Object == fresh && p.Code == CodeInvalidObject && strings.Contains(p.Message, "predefined TLP") {
					return
				}
			}
			t.Fatalf("no counterfeit-TLP problem at %s; got %v", tt.pointer, probs)
		})
	}
	// The predefined markings and other fresh markings stay valid.
	for name, obj := range map[string]string{
		"predefined TLP 2.0": tlpAmberStrict,
		"predefined TLP 1.0": tlp1Red,
		"fresh statement":    `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created":"2020-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"s"}}`,
		"fresh PAP extension": `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created":"2020-01-01T00:00:00.000Z","name":"PAP:GREEN",
			"extensions":{"extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b":{"extension_type":"property-extension","pap":"green"}}}`,
	} {
		b, err := DecodeBundle([]byte(bundleOf(obj)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, probs := Validate(b); probs != nil {
			t.Errorf("%s: unexpected problems %v", name, probs)
		}
	}
}
