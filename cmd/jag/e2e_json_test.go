package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestIngestUnrepresentableNumber submits, through the real `jag serve`, a
// correctly signed indicator whose custom property then holds 1e400: valid
// JSON that no IEEE 754 double represents, so the object has no JCS form
// and no signature can cover it. The hub must answer 422 with a pointer to
// the number (not 400 invalid_signature), store nothing, and accept the
// object exactly as it was signed.
func TestIngestUnrepresentableNumber(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	A := e2eOrgA

	tests := []struct {
		name, extra, signed, sent, pointer string
	}{
		{"custom property", `,"x_acme_score":1`, `"x_acme_score":1`, `"x_acme_score":1e400`, "/x_acme_score"},
		{"nested in a custom property", `,"x_acme_detail":{"scores":[2,-1]}`, `"scores":[2,-1]`, `"scores":[2,-1E+309]`, "/x_acme_detail/scores/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'n"+w.uuid()[:8]+".example']", tc.extra))
			sent := strings.Replace(signed, tc.signed, tc.sent, 1)
			if sent == signed {
				t.Fatalf("%s not in the signed object %s", tc.signed, signed)
			}
			var o struct{ ID string }
			if err := json.Unmarshal([]byte(signed), &o); err != nil {
				t.Fatal(err)
			}
			before := w.counts()
			// Second in the bundle, after a valid object, so the pointer's index is checked too.
			a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(w.signedIndicator(A, "ok"+w.uuid()[:8]+".example"), sent)))
			if a.Status != http.StatusUnprocessableEntity || a.code() != "invalid_object" {
				t.Fatalf("status %d code %q, want 422 invalid_object: %.800s", a.Status, a.code(), a.Raw)
			}
			items := a.items()
			if len(items) != 1 || items[0]["pointer"] != "/objects/1"+tc.pointer || items[0]["object"] != o.ID ||
				!strings.Contains(items[0]["message"].(string), "number") {
				t.Fatalf("errors[] = %v, want one entry for %s at /objects/1%s", items, o.ID, tc.pointer)
			}
			if after := w.counts(); after != before {
				t.Fatalf("a refused bundle changed the database: %+v -> %+v", before, after)
			}
			if a := hubGet(t, p.URL+"/v1/objects/"+o.ID, w.tokens["a"]); a.Status != http.StatusNotFound {
				t.Fatalf("GET refused object: %d %.300s", a.Status, a.Raw)
			}

			// The same object as signed is accepted: the signature was good.
			if a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(signed))); a.Status != http.StatusCreated {
				t.Fatalf("object as signed: %d %.800s", a.Status, a.Raw)
			}
			if a := hubGet(t, p.URL+"/v1/objects/"+o.ID, w.tokens["a"]); a.Status != http.StatusOK {
				t.Fatalf("GET stored object: %d %.300s", a.Status, a.Raw)
			}
		})
	}
}

// signedPayload returns what the signature of the signed object obj
// covers: its canonical form without the signature member, computed from
// a decoded copy (not by the code under test).
func signedPayload(obj []byte) ([]byte, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	exts, _ := m["extensions"].(map[string]any)
	ext, _ := exts[auth.ExtensionID].(map[string]any)
	delete(ext, "signature")
	return jcs.Canonicalize(m)
}
