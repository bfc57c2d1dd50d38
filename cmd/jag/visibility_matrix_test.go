package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestVisibilityMatrix stores one object for every TLP × recipients ×
// creator combination through real signed submissions, then asks as every
// tier × org (and anonymously, with public access on) through every read
// path: a single GET, its provenance, the history search, a lookup of
// each object's value, a batch lookup of all values, and the counts these
// return. auth.Visible is the oracle; an object the caller may not see
// must answer byte for byte like one that does not exist.
func TestVisibilityMatrix(t *testing.T) {
	t.Parallel()
	A, B, C := e2eOrgA, e2eOrgB, e2eOrgC
	w := newWorld(t, pgtest.URL(t), A, B, C)
	p := startServe(t, w.dbURL, "--public-access")

	tlps := []struct {
		name, marking, stored string
	}{
		{"clear", stix.TLPClearID, auth.TLPClear},
		{"green", stix.TLPGreenID, auth.TLPGreen},
		{"amber", stix.TLPAmberID, auth.TLPAmber},
		{"amber+strict", stix.TLPAmberStrictID, auth.TLPAmberStrict},
		{"red", stix.TLPRedID, auth.TLPRed},
		{"unmarked", "", auth.TLPAmber}, // the hub's default
		{"tlp1-white", stix.TLP1WhiteID, auth.TLPClear},
	}
	recipientSets := [][]string{nil, {A}, {B}, {A, B}}

	type object struct {
		id, value, signed string
		marking           auth.Marking
		desc              string
	}
	var objects []object
	byCreator := map[string][]string{}
	for _, tlp := range tlps {
		for _, rcpt := range recipientSets {
			for _, creator := range []string{A, B} {
				if tlp.stored == auth.TLPRed && rcpt == nil {
					continue // refused at ingest: TLP:RED needs recipients
				}
				id := w.id("indicator")
				value := fmt.Sprintf("o%d.matrix.example", len(objects))
				extra := ""
				if tlp.marking != "" {
					extra = marking(tlp.marking)
				}
				signed := w.sign(creator, indicatorOf(creator, id, "2026-01-01T00:00:00.000Z", "[domain-name:value = '"+value+"']", extra), rcpt...)
				objects = append(objects, object{
					id: id, value: value, signed: signed,
					marking: auth.Marking{TLP: tlp.stored, Recipients: rcpt, CreatedBy: creator},
					desc:    fmt.Sprintf("%s recipients=%v creator=%s", tlp.name, rcpt, creator[10:12]),
				})
				byCreator[creator] = append(byCreator[creator], signed)
			}
		}
	}
	w.submit(p.URL, A, byCreator[A]...)
	w.submit(p.URL, B, byCreator[B]...)

	type caller struct {
		name      string
		principal *auth.Principal // nil: anonymous
		token     string
	}
	callers := []caller{{name: "anonymous"}}
	for _, org := range []string{A, B, C, ""} {
		for _, tier := range auth.Tiers {
			if org == "" && tier != auth.TierCommunity {
				continue
			}
			pr := &auth.Principal{Org: org, Tier: tier}
			callers = append(callers, caller{name: tier + "@" + orgName(org), principal: pr, token: w.token(org, tier, "read")})
		}
	}

	// The matrix must discriminate: callers see different numbers of
	// objects, so a read path that ignored visibility could not pass.
	seen := map[int]bool{}
	for _, c := range callers {
		n := 0
		for _, o := range objects {
			if auth.Visible(c.principal, o.marking) {
				n++
			}
		}
		seen[n] = true
	}
	if len(seen) < 5 {
		t.Fatalf("degenerate matrix: visible counts %v", seen)
	}

	values := make([]string, len(objects))
	for i, o := range objects {
		values[i] = o.value
	}
	batchBody, _ := json.Marshal(map[string][]string{"values": values})

	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // read-only: the callers' requests may interleave
			missing := hubGet(t, p.URL+"/v1/objects/"+w.id("indicator"), c.token)
			missingProv := hubGet(t, p.URL+"/v1/objects/"+w.id("indicator")+"/provenance", c.token)
			if missing.Status != 404 || missingProv.Status != 404 {
				t.Fatalf("missing object: %d %s", missing.Status, missing.Raw)
			}
			var wantIDs []string
			for _, o := range objects {
				visible := auth.Visible(c.principal, o.marking)
				if visible {
					wantIDs = append(wantIDs, o.id)
				}
				got := hubGet(t, p.URL+"/v1/objects/"+o.id, c.token)
				prov := hubGet(t, p.URL+"/v1/objects/"+o.id+"/provenance", c.token)
				switch {
				case visible && (got.Status != 200 || string(got.Raw) != o.signed+"\n"):
					t.Errorf("%s: GET = %d, want 200 with the stored bytes", o.desc, got.Status)
				case visible && prov.Status != 200:
					t.Errorf("%s: provenance = %d, want 200", o.desc, prov.Status)
				case !visible && (got.Status != 404 || string(got.Raw) != string(missing.Raw)):
					t.Errorf("%s: GET = %d %s, want the 404 of a missing object", o.desc, got.Status, got.Raw)
				case !visible && string(prov.Raw) != string(missingProv.Raw):
					t.Errorf("%s: provenance = %d %s, want the 404 of a missing object", o.desc, prov.Status, prov.Raw)
				}
				lk := hubGet(t, p.URL+"/v1/lookup?value="+url.QueryEscape(o.value), c.token)
				var res struct{ Count int }
				if lk.Status != 200 || json.Unmarshal(lk.Raw, &res) != nil {
					t.Fatalf("lookup: %d %s", lk.Status, lk.Raw)
				}
				if want := map[bool]int{true: 1, false: 0}[visible]; res.Count != want {
					t.Errorf("%s: lookup count %d, want %d", o.desc, res.Count, want)
				}
			}

			// History search: exactly the visible objects, and so the same count.
			r := hubGet(t, p.URL+"/v1/objects?limit=1000", c.token)
			var page struct {
				Objects []struct{ ID string }
				Next    string
			}
			if r.Status != 200 || json.Unmarshal(r.Raw, &page) != nil || page.Next != "" {
				t.Fatalf("search: %d %s", r.Status, r.Raw)
			}
			var gotIDs []string
			for _, o := range page.Objects {
				gotIDs = append(gotIDs, o.ID)
			}
			slices.Sort(gotIDs)
			slices.Sort(wantIDs)
			if !slices.Equal(gotIDs, wantIDs) {
				t.Errorf("search returned %d objects, want %d: got %v want %v", len(gotIDs), len(wantIDs), gotIDs, wantIDs)
			}

			// Batch lookup: per-value counts and their total agree too.
			r = hubDo(t, "POST", p.URL+"/v1/lookup", c.token, "application/json", string(batchBody))
			var batch struct{ Results []struct{ Count int } }
			if r.Status != 200 || json.Unmarshal(r.Raw, &batch) != nil || len(batch.Results) != len(objects) {
				t.Fatalf("batch lookup: %d %s", r.Status, r.Raw)
			}
			total := 0
			for i, res := range batch.Results {
				total += res.Count
				if want := map[bool]int{true: 1, false: 0}[auth.Visible(c.principal, objects[i].marking)]; res.Count != want {
					t.Errorf("%s: batch count %d, want %d", objects[i].desc, res.Count, want)
				}
			}
			if total != len(wantIDs) {
				t.Errorf("batch total %d, want %d", total, len(wantIDs))
			}
		})
	}
}

func orgName(org string) string {
	switch org {
	case e2eOrgA:
		return "A"
	case e2eOrgB:
		return "B"
	case e2eOrgC:
		return "C"
	case "":
		return "no-org"
	}
	return strings.TrimPrefix(org, "identity--")
}
