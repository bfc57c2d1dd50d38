package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestTAXIIEndToEnd drives every TAXII endpoint and error path of the real
// binary over raw HTTP.
func TestTAXIIEndToEnd(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	A, B := e2eOrgA, e2eOrgB
	tokA := w.tokens["a"]
	tokBRead := w.token(B, auth.TierMember, auth.ScopeRead)
	tokClientB := w.token(B, auth.TierClient, auth.ScopeRead)
	// A collection of B's objects up to TLP:GREEN, read-only.
	code, out, errs := runJag(t, "", "collection", "add", "--database-url", url, "--alias", "b-green", "--title", "B, green",
		"--creator", B, "--max-tlp", "green", "--write-scopes", "none")
	if code != 0 {
		t.Fatalf("collection add: %d %s", code, errs)
	}
	var bGreen hub.Collection
	if err := json.Unmarshal([]byte(out), &bGreen); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, url, "--max-body-bytes", "65536")
	root := p.URL + "/taxii2/jag/"
	objectsURL := root + "collections/" + hub.DefaultCollectionID + "/objects/"

	gA := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'ga.taxii.example']", marking(stix.TLPGreenID)))
	aA := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'aa.taxii.example']", marking(stix.TLPAmberID)))
	gB := w.sign(B, w.indicatorJSON(B, "[domain-name:value = 'gb.taxii.example']", marking(stix.TLPGreenID)))
	aB := w.sign(B, w.indicatorJSON(B, "[domain-name:value = 'ab.taxii.example']", marking(stix.TLPAmberStrictID)))
	cB := w.sign(B, w.indicatorJSON(B, "[domain-name:value = 'cb.taxii.example']", marking(stix.TLPClearID)))
	w.submit(p.URL, A, gA, aA)
	w.submit(p.URL, B, gB, aB, cB)

	t.Run("discovery and api root", func(t *testing.T) {
		for _, u := range []string{p.URL + "/taxii2/", p.URL + "/taxii2", p.URL + "//taxii2//"} {
			a := taxiiDo(t, "GET", u, taxiiBasic(tokA), "")
			if a.Status != 200 || a.Body["default"] != "/taxii2/jag/" {
				t.Fatalf("%s: %d %s", u, a.Status, a.Raw)
			}
		}
		for _, u := range []string{root, strings.TrimSuffix(root, "/"), p.URL + "//taxii2//jag"} {
			a := taxiiDo(t, "GET", u, "Token "+tokA, "")
			if a.Status != 200 || a.Body["max_content_length"] != float64(65536) || a.Body["versions"].([]any)[0] != taxiiMedia {
				t.Fatalf("%s: %d %s", u, a.Status, a.Raw)
			}
		}
	})

	t.Run("collections", func(t *testing.T) {
		a := taxiiDo(t, "GET", root+"collections", "basic "+strings.TrimPrefix(taxiiBasic(tokA), "Basic "), "") // MISP's lower-case scheme
		cs, _ := a.Body["collections"].([]any)
		if a.Status != 200 || len(cs) != 2 {
			t.Fatalf("collections: %d %s", a.Status, a.Raw)
		}
		c := taxiiDo(t, "GET", root+"collections/b-green/", "Bearer "+tokA, "")
		if c.Body["id"] != bGreen.ID || c.Body["can_read"] != true || c.Body["can_write"] != false {
			t.Fatalf("b-green: %s", c.Raw)
		}
	})

	t.Run("admin routes", func(t *testing.T) {
		admin := w.token(A, auth.TierMember, auth.ScopeAdmin)
		body := `{"title":"A's indicators","alias":"a-ind","filter":{"types":["indicator"],"creators":["` + A + `"]},"read_scopes":["read"],"write_scopes":[]}`
		c := hubDo(t, "POST", p.URL+"/v1/admin/collections", admin, "application/json", body)
		id, _ := c.Body["id"].(string)
		if c.Status != 201 || id == "" {
			t.Fatalf("create: %d %s", c.Status, c.Raw)
		}
		if a := hubDo(t, "POST", p.URL+"/v1/admin/collections", tokA, "application/json", body); a.Status != 403 {
			t.Fatalf("create without scope admin: %d", a.Status)
		}
		if a := hubDo(t, "POST", p.URL+"/v1/admin/collections", admin, "application/json", body); a.Status != 409 || a.code() != "conflict" {
			t.Fatalf("duplicate: %d %s", a.Status, a.Raw)
		}
		if a := hubDo(t, "POST", p.URL+"/v1/admin/collections", admin, "application/json", `{"title":"x","read_scopes":["root"]}`); a.Status != 400 {
			t.Fatalf("invalid: %d %s", a.Status, a.Raw)
		}
		if a := hubGet(t, p.URL+"/v1/admin/collections", admin); a.Status != 200 || len(a.Body["collections"].([]any)) != 3 {
			t.Fatalf("list: %d %s", a.Status, a.Raw)
		}
		pg, err := taxiiGetPage(root+"collections/a-ind/objects/", taxiiBasic(tokBRead))
		if err != nil || len(pg.Objects) != 2 {
			t.Fatalf("TAXII read of the new collection: %v %+v", err, pg)
		}
		if a := hubDo(t, "DELETE", p.URL+"/v1/admin/collections/"+id, admin, "", ""); a.Status != 204 {
			t.Fatalf("delete: %d %s", a.Status, a.Raw)
		}
		taxiiError(t, taxiiDo(t, "GET", root+"collections/a-ind/", taxiiBasic(tokBRead), ""), 404)
		if a := hubDo(t, "DELETE", p.URL+"/v1/admin/collections/"+hub.DefaultCollectionID, admin, "", ""); a.Status != 403 {
			t.Fatalf("delete built-in: %d %s", a.Status, a.Raw)
		}
	})

	t.Run("each principal sees what /v1/objects shows it", func(t *testing.T) {
		for _, tok := range []string{tokA, tokBRead, tokClientB} {
			p, err := taxiiGetPage(withParam(objectsURL, "match[version]", "all"), taxiiBasic(tok))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range p.Objects {
				got = append(got, versionKey(o))
			}
			want := restVersions(t, strings.TrimSuffix(p0(root), "/"), "", tok)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Fatalf("TAXII %v, REST %v", got, want)
			}
		}
		// The filtered collection: B's versions up to green, still per reader.
		pg, err := taxiiGetPage(root+"collections/"+bGreen.ID+"/objects/", taxiiBasic(tokA))
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Objects) != 2 || versionKey(pg.Objects[0]) != versionKey([]byte(gB)) || versionKey(pg.Objects[1]) != versionKey([]byte(cB)) {
			t.Fatalf("b-green: %s", pg.Objects)
		}
	})

	t.Run("object versions manifest", func(t *testing.T) {
		key := versionKey([]byte(gA))
		id, mod, _ := strings.Cut(key, "@")
		pg, err := taxiiGetPage(objectsURL+id+"/", taxiiBasic(tokA))
		if err != nil || len(pg.Objects) != 1 || versionKey(pg.Objects[0]) != key {
			t.Fatalf("object: %v %+v", err, pg)
		}
		pg, err = taxiiGetPage(objectsURL+id+"/versions", taxiiBasic(tokA))
		if err != nil || !slices.Equal(pg.Versions, []string{mod}) {
			t.Fatalf("versions: %v %+v", err, pg)
		}
		a := taxiiDo(t, "GET", strings.Replace(objectsURL, "/objects/", "/manifest/", 1)+"?match[id]="+id, taxiiBasic(tokA), "")
		recs, _ := a.Body["objects"].([]any)
		if a.Status != 200 || len(recs) != 1 || recs[0].(map[string]any)["version"] != mod || recs[0].(map[string]any)["media_type"] != "application/stix+json;version=2.1" {
			t.Fatalf("manifest: %d %s", a.Status, a.Raw)
		}
		// B's amber+strict object does not exist for B's client tier.
		hidden, _, _ := strings.Cut(versionKey([]byte(aB)), "@")
		taxiiError(t, taxiiDo(t, "GET", objectsURL+hidden+"/", taxiiBasic(tokClientB), ""), 404)
		taxiiError(t, taxiiDo(t, "GET", objectsURL+hidden+"/versions/", taxiiBasic(tokClientB), ""), 404)
	})

	t.Run("errors", func(t *testing.T) {
		a := taxiiDo(t, "GET", root, "", "")
		taxiiError(t, a, 401)
		if !strings.HasPrefix(a.Header.Get("WWW-Authenticate"), `Basic realm="jag"`) {
			t.Fatalf("WWW-Authenticate %q", a.Header.Get("WWW-Authenticate"))
		}
		taxiiError(t, taxiiDo(t, "GET", root, taxiiBasic("not-a-token"), ""), 401)
		taxiiError(t, taxiiDo(t, "GET", root+"?access_token="+tokA, "", ""), 401)
		taxiiError(t, taxiiDo(t, "POST", root+"collections/b-green/objects/", taxiiBasic(tokA), envelope(gA)), 403)
		taxiiError(t, taxiiDo(t, "POST", objectsURL, taxiiBasic(tokBRead), envelope(gA)), 403)
		taxiiError(t, taxiiDo(t, "GET", root+"collections/00000000-0000-4000-8000-000000000000/objects/", taxiiBasic(tokA), ""), 404)
		taxiiError(t, taxiiDo(t, "GET", root+"status/00000000-0000-4000-8000-000000000000/", taxiiBasic(tokA), ""), 404)
		id, _, _ := strings.Cut(versionKey([]byte(gA)), "@")
		a = taxiiDo(t, "DELETE", objectsURL+id+"/", taxiiBasic(tokA), "")
		taxiiError(t, a, 405)
		if a.Header.Get("Allow") != "GET" {
			t.Fatalf("Allow %q", a.Header.Get("Allow"))
		}
		taxiiError(t, taxiiDo(t, "GET", objectsURL, taxiiBasic(tokA), "", "Accept", "application/json"), 406)
		taxiiError(t, taxiiDo(t, "GET", objectsURL, taxiiBasic(tokA), "", "Accept", "application/taxii+json;version=2.0"), 406)
		if a := taxiiDo(t, "GET", objectsURL, taxiiBasic(tokA), "", "Accept", "application/taxii+json"); a.Status != 200 {
			t.Fatalf("Accept without version: %d", a.Status)
		}
		taxiiError(t, taxiiDo(t, "POST", objectsURL, taxiiBasic(tokA), envelope(strings.Repeat(" ", 70000)+gA)), 413)
		taxiiError(t, taxiiDo(t, "POST", objectsURL, taxiiBasic(tokA), envelope(gA), "Content-Type", "application/json"), 415)
		taxiiError(t, taxiiDo(t, "POST", objectsURL, taxiiBasic(tokA), `{"objects":[]}`), 422)
		taxiiError(t, taxiiDo(t, "POST", objectsURL, taxiiBasic(tokA), `{"objects":`), 400)
		taxiiError(t, taxiiDo(t, "GET", objectsURL+"?limit=0", taxiiBasic(tokA), ""), 400)
		taxiiError(t, taxiiDo(t, "GET", objectsURL+"?match[version]=newest", taxiiBasic(tokA), ""), 400)
		taxiiError(t, taxiiDo(t, "GET", root+"nothing/", taxiiBasic(tokA), ""), 404)
		if strings.Contains(p.Logs(), tokA) {
			t.Fatal("a token reached the log")
		}
	})

	t.Run("POST a mixed envelope", func(t *testing.T) {
		valid := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'posted.taxii.example']", marking(stix.TLPGreenID)))
		badSig := strings.Replace(w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'forged.taxii.example']", "")), "forged", "changed", 1)
		invalid := w.sign(A, w.indicatorJSON(A, "[domain-name:value = ", ""))
		a := taxiiDo(t, "POST", p.URL+"//taxii2//jag//collections//"+hub.DefaultCollectionID+"//objects", taxiiBasic(tokA),
			envelope(valid, badSig, invalid, gA))
		if a.Status != http.StatusAccepted {
			t.Fatalf("POST: %d %s", a.Status, a.Raw)
		}
		st := a.Body
		if st["status"] != "complete" || st["total_count"] != float64(4) || st["success_count"] != float64(2) ||
			st["failure_count"] != float64(2) || st["pending_count"] != float64(0) {
			t.Fatalf("status %s", a.Raw)
		}
		var msgs []string
		for _, f := range st["failures"].([]any) {
			msgs = append(msgs, f.(map[string]any)["message"].(string))
		}
		if len(msgs) != 2 || !strings.HasPrefix(msgs[0], "invalid_signature: ") || !strings.HasPrefix(msgs[1], "invalid_pattern: ") {
			t.Fatalf("failure messages %q", msgs)
		}
		// The status lasts in the database: readable by org A only, also
		// from a replica started after the POST.
		p2 := startServe(t, url)
		b := taxiiDo(t, "GET", p2.URL+"/taxii2/jag/status/"+st["id"].(string)+"/", taxiiBasic(w.tokens["a-read"]), "")
		if b.Status != 200 || string(b.Raw) != string(a.Raw) {
			t.Fatalf("status read back: %d %s", b.Status, b.Raw)
		}
		taxiiError(t, taxiiDo(t, "GET", root+"status/"+st["id"].(string)+"/", taxiiBasic(tokBRead), ""), 404)
		// The valid object is readable over TAXII, REST and the feed.
		id, _, _ := strings.Cut(versionKey([]byte(valid)), "@")
		if pg, err := taxiiGetPage(objectsURL+id+"/", taxiiBasic(tokBRead)); err != nil || len(pg.Objects) != 1 {
			t.Fatalf("TAXII read: %v %+v", err, pg)
		}
		if r := hubGet(t, p.URL+"/v1/objects/"+id, tokBRead); r.Status != 200 || string(r.Raw[:len(r.Raw)-1]) != valid {
			t.Fatalf("REST read: %d %s", r.Status, r.Raw)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn, err := feedDial(ctx, p.URL, tokA, feeds.EncodeCursor(0))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m feedMsg
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("feed: %v before the posted object", err)
			}
			if m.Op == "event" && strings.Contains(string(m.Object), id) {
				break
			}
		}
	})
}

// p0 returns the scheme and host of a URL.
func p0(u string) string {
	i := strings.Index(u, "/taxii2/")
	return u[:i]
}
