package rest

import (
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// TestSubmitMarkings: through the submission handler, a counterfeit TLP
// marking definition is a 422 STIX problem pointing at it (issue 10,
// finding 7), and a granular TLP:RED marking makes the object TLP:RED,
// recipients included (finding 1). A refused bundle stores nothing.
func TestSubmitMarkings(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 64 << 10})
	const fresh = "marking-definition--0d000000-0000-4000-8000-000000000001"
	counterfeit1 := `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created_by_ref":"` + orgA + `",` +
		`"created":"2026-01-01T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}`
	counterfeit2 := `{"type":"marking-definition","spec_version":"2.1","id":"` + fresh + `","created_by_ref":"` + orgA + `",` +
		`"created":"2026-01-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"` + stix.TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`
	granularRed := `,"object_marking_refs":["` + stix.TLPGreenID + `"],"description":"d","granular_markings":[{"marking_ref":"` + stix.TLPRedID + `","selectors":["description"]}]`

	for _, tc := range []struct {
		name, body, pointer string
	}{
		{"TLP 1.0 form with a fresh id", bundle(f.sign(orgA, counterfeit1, nil),
			f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"object_marking_refs":["`+fresh+`"]`), nil)), "/objects/0/definition_type"},
		{"TLP 2.0 extension with a fresh id", bundle(f.sign(orgA, counterfeit2, nil),
			f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"object_marking_refs":["`+fresh+`"]`), nil)), "/objects/0/extensions/" + stix.TLP2ExtensionID},
		{"granular RED without recipients", bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", granularRed), nil)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.store.last = nil
			status, body, _ := f.post(orgA+" submit", stixType, tc.body)
			if status != 422 || body["code"] != hub.CodeInvalidObject {
				t.Fatalf("status %d code %v, want 422 %s: %v", status, body["code"], hub.CodeInvalidObject, body)
			}
			if f.store.last != nil {
				t.Fatal("a refused bundle reached the store")
			}
			items, _ := body["errors"].([]any)
			if len(items) == 0 {
				t.Fatalf("no errors[]: %v", body)
			}
			ptr, _ := items[0].(map[string]any)["pointer"].(string)
			if tc.pointer != "" && ptr != tc.pointer {
				t.Fatalf("pointer %q, want %q: %v", ptr, tc.pointer, body)
			}
			if tc.pointer == "" && ptr != "/objects/0/extensions/"+auth.ExtensionID+"/recipients" {
				t.Fatalf("pointer %q, want the recipients: %v", ptr, body)
			}
		})
	}

	t.Run("granular RED with recipients is stored as RED", func(t *testing.T) {
		f.store.last = nil
		status, body, _ := f.post(orgA+" submit", stixType,
			bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'b.example']", granularRed), []string{orgB})))
		if status != 201 {
			t.Fatalf("status %d: %v", status, body)
		}
		if f.store.last == nil || len(f.store.last.Objects) != 1 || f.store.last.Objects[0].TLP != stix.TLPRed {
			t.Fatalf("stored %+v, want one TLP:RED object", f.store.last)
		}
	})
}
