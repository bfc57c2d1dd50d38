package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// End-to-end tests of hostile markings through the real `jag serve`
// (issue 10, findings 1 and 7).

// granularMarking is the members of an object marked marking at object
// level ("" none) and granularRef on its description.
func granularMarking(objectLevel, granularRef string) string {
	s := `,"description":"the part the marking is about"`
	if objectLevel != "" {
		s += `,"object_marking_refs":["` + objectLevel + `"]`
	}
	return s + `,"granular_markings":[{"marking_ref":"` + granularRef + `","selectors":["description"]}]`
}

// TestHostileGranularMarkings (finding 1): an object's TLP is the most
// restrictive of its object-level and granular markings, an unknown
// granular marking counting as TLP:RED. A TLP:GREEN indicator with a
// granular TLP:RED marking on its description is refused without
// recipients (RED needs them); with recipients it is stored as RED, so a
// recipient org cleared for GREEN only (client and community tiers) gets
// it from none of GET, search, batch lookup and the feed, while the
// same indicator without the granular marking reaches it on all four and
// a member of a recipient org sees all of them. An object whose only
// marking is granular to an unknown definition is RED, not the default
// AMBER (which a client would see).
func TestHostileGranularMarkings(t *testing.T) {
	t.Parallel()
	A, B, C := e2eOrgA, e2eOrgB, e2eOrgC
	w := newWorld(t, pgtest.URL(t), A, B, C)
	p := startServe(t, w.dbURL)
	submitA := w.token(A, auth.TierMember, auth.ScopeSubmit)
	unknownDef := w.id("marking-definition")

	t.Run("refused without recipients", func(t *testing.T) {
		for name, extra := range map[string]string{
			"GREEN with granular RED":      granularMarking(stix.TLPGreenID, stix.TLPRedID),
			"only granular, unknown":       granularMarking("", unknownDef),
			"CLEAR with granular TLP1 RED": granularMarking(stix.TLPClearID, stix.TLP1RedID),
		} {
			before := w.counts()
			id := w.id("indicator")
			obj := w.sign(A, indicatorOf(A, id, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'refused.granular.example']", extra))
			a := hubDo(t, http.MethodPost, p.URL+"/v1/bundles", submitA, stixContentType, w.bundle(obj))
			if a.Status != http.StatusUnprocessableEntity || a.code() != "invalid_object" {
				t.Fatalf("%s: %d %s, want 422 invalid_object", name, a.Status, a.Raw)
			}
			items := a.items()
			if len(items) != 1 || items[0]["pointer"] != "/objects/0/extensions/"+auth.ExtensionID+"/recipients" || items[0]["object"] != id {
				t.Fatalf("%s: errors %v, want one pointing at the recipients of %s", name, items, id)
			}
			if after := w.counts(); after != before {
				t.Fatalf("%s: a refused bundle changed the rows: %+v → %+v", name, before, after)
			}
		}
	})

	// Objects of A for recipients B and C: granular RED on a GREEN
	// indicator, granular to an unknown definition only, and the control,
	// the same GREEN indicator without a granular marking.
	type object struct {
		name, id, value, tlp string
	}
	objects := []object{
		{name: "GREEN with granular RED", value: "red.granular.example", tlp: "red"},
		{name: "only granular, unknown definition", value: "unknown.granular.example", tlp: "red"},
		{name: "GREEN control", value: "green.granular.example", tlp: "green"},
	}
	extras := []string{granularMarking(stix.TLPGreenID, stix.TLPRedID), granularMarking("", unknownDef), marking(stix.TLPGreenID)}
	signed := make([]string, len(objects))
	for i := range objects {
		objects[i].id = w.id("indicator")
		signed[i] = w.sign(A, indicatorOf(A, objects[i].id, "2026-01-01T00:00:00.000Z", "[domain-name:value = '"+objects[i].value+"']", extras[i]), B, C)
	}

	type caller struct {
		name  string
		token string
		sees  func(o object) bool
	}
	callers := []caller{
		{"client of C (recipient, GREEN and AMBER)", w.token(C, auth.TierClient, auth.ScopeRead), func(o object) bool { return o.tlp == "green" }},
		{"community of C (recipient, GREEN)", w.token(C, auth.TierCommunity, auth.ScopeRead), func(o object) bool { return o.tlp == "green" }},
		{"member of B (recipient, RED)", w.token(B, auth.TierMember, auth.ScopeRead), func(object) bool { return true }},
	}

	// Every caller subscribes to the feed before the objects arrive.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns := make([]*websocket.Conn, len(callers))
	for i, c := range callers {
		conn, err := feedDial(ctx, p.URL, c.token, "")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		defer conn.Close()
		awaitSubscribed(t, conn, c.name)
		conns[i] = conn
	}

	// The marked objects in one bundle, then the control in a later one:
	// a subscriber that receives the control has been sent every event
	// before it.
	w.submit(p.URL, A, signed[0], signed[1])
	w.submit(p.URL, A, signed[2])
	for _, o := range objects {
		var tlp string
		if err := w.db.SQLX().QueryRow(`SELECT tlp FROM objects WHERE id = $1`, o.id).Scan(&tlp); err != nil {
			t.Fatalf("%s: %v", o.name, err)
		}
		if tlp != o.tlp {
			t.Errorf("%s stored as %s, want %s", o.name, tlp, o.tlp)
		}
	}

	values := make([]string, len(objects))
	for i, o := range objects {
		values[i] = o.value
	}
	batch, _ := json.Marshal(map[string][]string{"values": values})
	for i, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			fed := feedObjectsUntil(t, ctx, conns[i], objects[2].id)
			search := hubGet(t, p.URL+"/v1/objects?limit=1000", c.token)
			var page struct{ Objects []struct{ ID string } }
			if search.Status != http.StatusOK || json.Unmarshal(search.Raw, &page) != nil {
				t.Fatalf("search: %d %s", search.Status, search.Raw)
			}
			lookup := hubDo(t, http.MethodPost, p.URL+"/v1/lookup", c.token, "application/json", string(batch))
			var res struct{ Results []struct{ Count int } }
			if lookup.Status != http.StatusOK || json.Unmarshal(lookup.Raw, &res) != nil || len(res.Results) != len(objects) {
				t.Fatalf("lookup: %d %s", lookup.Status, lookup.Raw)
			}
			for j, o := range objects {
				want := c.sees(o)
				get := hubGet(t, p.URL+"/v1/objects/"+o.id, c.token)
				if got := get.Status == http.StatusOK; got != want || (!got && get.Status != http.StatusNotFound) {
					t.Errorf("%s: GET = %d, want visible=%v", o.name, get.Status, want)
				}
				inSearch := slices.ContainsFunc(page.Objects, func(s struct{ ID string }) bool { return s.ID == o.id })
				if inSearch != want {
					t.Errorf("%s: in search = %v, want %v", o.name, inSearch, want)
				}
				if got := res.Results[j].Count == 1; got != want || res.Results[j].Count > 1 {
					t.Errorf("%s: lookup count %d, want visible=%v", o.name, res.Results[j].Count, want)
				}
				if got := slices.Contains(fed, o.id); got != want {
					t.Errorf("%s: delivered by the feed = %v, want %v (feed sent %v)", o.name, got, want, fed)
				}
			}
		})
	}
}

// awaitSubscribed reads conn until the hub confirms the subscription.
func awaitSubscribed(t *testing.T, conn *websocket.Conn, who string) {
	t.Helper()
	for {
		var m feedMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("%s: feed: %v", who, err)
		}
		if m.Op == "subscribed" {
			return
		}
	}
}

// feedObjectsUntil returns the ids of the objects the feed delivers on
// conn, up to and including last.
func feedObjectsUntil(t *testing.T, ctx context.Context, conn *websocket.Conn, last string) []string {
	t.Helper()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var ids []string
	for {
		var m feedMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("feed before %s arrived (got %v): %v", last, ids, err)
		}
		if m.Op != "event" {
			continue
		}
		var o struct{ ID string }
		if err := json.Unmarshal(m.Object, &o); err != nil {
			t.Fatalf("feed event object: %v: %s", err, m.Object)
		}
		ids = append(ids, o.ID)
		if o.ID == last {
			return ids
		}
	}
}

// TestHostileCounterfeitTLP (finding 7): STIX 2.1 allows no TLP marking
// definitions but the predefined ones, so a marking-definition with a
// fresh id claiming to be TLP — in the TLP 1.0 form (definition_type
// "tlp") or with the TLP 2.0 extension — is refused 422 with a pointer to
// the claim, and nothing of its bundle is stored; the predefined TLP:GREEN
// definition, as published, is accepted in a bundle.
func TestHostileCounterfeitTLP(t *testing.T) {
	t.Parallel()
	A := e2eOrgA
	w := newWorld(t, pgtest.URL(t), A, e2eOrgB)
	p := startServe(t, w.dbURL)
	submitA := w.token(A, auth.TierMember, auth.ScopeSubmit)
	readA := w.token(A, auth.TierMember, auth.ScopeRead)

	for _, tc := range []struct {
		name, definition, pointer string
	}{
		{"TLP 1.0 form", `"definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}`, "/objects/0/definition_type"},
		{"TLP 1.0 form claiming white", `"definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}`, "/objects/0/definition_type"},
		{"TLP 2.0 extension", `"name":"TLP:CLEAR","extensions":{"` + stix.TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"clear"}}`, "/objects/0/extensions/" + stix.TLP2ExtensionID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := w.id("marking-definition")
			def := w.sign(A, `{"type":"marking-definition","spec_version":"2.1","id":"`+fresh+`","created_by_ref":"`+A+`","created":"2026-01-01T00:00:00.000Z",`+tc.definition+`}`)
			ind := w.id("indicator")
			obj := w.sign(A, indicatorOf(A, ind, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'counterfeit.example']", marking(fresh)))
			before := w.counts()
			for _, body := range []string{w.bundle(def, obj), w.bundle(def)} {
				a := hubDo(t, http.MethodPost, p.URL+"/v1/bundles", submitA, stixContentType, body)
				if a.Status != http.StatusUnprocessableEntity || a.code() != "invalid_object" {
					t.Fatalf("%d %s, want 422 invalid_object", a.Status, a.Raw)
				}
				items := a.items()
				if len(items) == 0 || items[0]["pointer"] != tc.pointer || items[0]["object"] != fresh {
					t.Fatalf("errors %v, want the first at %s of %s", items, tc.pointer, fresh)
				}
			}
			if after := w.counts(); after != before {
				t.Fatalf("a refused bundle changed the rows: %+v → %+v", before, after)
			}
			for _, id := range []string{fresh, ind} {
				if a := hubGet(t, p.URL+"/v1/objects/"+id, readA); a.Status != http.StatusNotFound {
					t.Fatalf("GET %s after the refusal: %d %s", id, a.Status, a.Raw)
				}
			}
		})
	}

	t.Run("the predefined definition is accepted", func(t *testing.T) {
		green := `{"type":"marking-definition","spec_version":"2.1","id":"` + stix.TLPGreenID +
			`","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"` + stix.TLP2ExtensionID +
			`":{"extension_type":"property-extension","tlp_2_0":"green"}}}`
		ind := w.id("indicator")
		obj := w.sign(A, indicatorOf(A, ind, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'genuine.example']", marking(stix.TLPGreenID)))
		a := hubDo(t, http.MethodPost, p.URL+"/v1/bundles", submitA, stixContentType, w.bundle(green, obj))
		if a.Status != http.StatusCreated {
			t.Fatalf("%d %s, want 201", a.Status, a.Raw)
		}
		var tlp string
		if err := w.db.SQLX().QueryRow(`SELECT tlp FROM objects WHERE id = $1`, ind).Scan(&tlp); err != nil || tlp != "green" {
			t.Fatalf("stored TLP %q (%v), want green", tlp, err)
		}
	})
}
