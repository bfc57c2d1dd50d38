package taxii

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub"
)

func TestDiscoveryAndAPIRoot(t *testing.T) {
	w := newWorld(t, 0)
	for _, url := range []string{"/taxii2/", "/taxii2", "//taxii2//"} {
		a := w.get(url)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", url, a.status, a.body)
		}
		m := a.json(t)
		if m["default"] != "/taxii2/jag/" || m["title"] == "" {
			t.Fatalf("%s: discovery %s", url, a.body)
		}
	}
	for _, url := range []string{"/taxii2/jag/", "/taxii2/jag", "/taxii2//jag//"} {
		a := w.get(url)
		m := a.json(t)
		if a.status != 200 || m["max_content_length"] != float64(4096) || m["versions"].([]any)[0] != MediaType {
			t.Fatalf("%s: api root %d %s", url, a.status, a.body)
		}
	}
	wantError(t, w.get("/taxii2/other/"), 404)
	wantError(t, w.get("/taxii2/jag/nothing/"), 404)
	wantError(t, w.get("/taxii2/jag/collections/"+hub.DefaultCollectionID+"/objects/x/y/z/"), 404)
}

func TestCredentials(t *testing.T) {
	w := newWorld(t, 1)
	for name, hdr := range map[string]string{
		"bearer":        "Bearer tok-a",
		"token":         "Token tok-a",
		"basic":         basic("ignored", "tok-a"),
		"basic lower":   strings.Replace(basic("misp", "tok-a"), "Basic", "basic", 1),
		"basic no user": basic("", "tok-a"),
		"bearer upper":  "BEARER tok-a",
	} {
		a := w.do("GET", "/taxii2/jag/collections/", "", "", "Authorization", hdr)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", name, a.status, a.body)
		}
	}
	for name, hdr := range map[string]string{
		"none":          "",
		"unknown token": "Bearer nope",
		"basic bad":     basic("x", "nope"),
		"scheme":        "Digest tok-a",
	} {
		a := w.do("GET", "/taxii2/", "", "", "Authorization", hdr)
		wantError(t, a, 401)
		if got := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="jag"`) {
			t.Fatalf("%s: WWW-Authenticate %q", name, got)
		}
		if strings.Contains(string(a.body), "tok-a") {
			t.Fatalf("%s: token echoed: %s", name, a.body)
		}
	}
	wantError(t, w.do("GET", "/taxii2/?access_token=tok-a", "", ""), 401)
}

func TestContentNegotiation(t *testing.T) {
	w := newWorld(t, 1)
	for accept, ok := range map[string]bool{
		"application/taxii+json;version=2.1":      true,
		"application/taxii+json":                  true,
		"application/taxii+json; version=2.1":     true,
		"text/html, application/taxii+json;q=0.5": true,
		"*/*":                                true,
		"application/*":                      true,
		"":                                   true,
		"application/taxii+json;version=2.0": false,
		"application/json":                   false,
		"application/stix+json;version=2.1":  false,
		"application/taxii+json;q=0":         false,
		"text/html":                          false,
	} {
		a := w.do("GET", objectsURL, "tok-a", "", "Accept", accept)
		if ok && a.status != 200 {
			t.Fatalf("Accept %q: %d %s", accept, a.status, a.body)
		}
		if !ok {
			wantError(t, a, 406)
		}
	}
}

func TestMethodsAndDelete(t *testing.T) {
	w := newWorld(t, 1)
	id := "indicator--00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct{ method, url, allow string }{
		{"DELETE", objectsURL + id + "/", "GET"},
		{"PUT", objectsURL, "GET, POST"},
		{"POST", "/taxii2/jag/collections/", "GET"},
		{"DELETE", "/taxii2/", "GET"},
	} {
		a := w.do(tc.method, tc.url, "tok-a", "")
		wantError(t, a, 405)
		if a.header.Get("Allow") != tc.allow {
			t.Fatalf("%s %s: Allow %q, want %q", tc.method, tc.url, a.header.Get("Allow"), tc.allow)
		}
	}
}

func TestCollections(t *testing.T) {
	w := newWorld(t, 0)
	// tok-a (read, submit) sees the default, the read-only and the drop box.
	m := w.get("/taxii2/jag/collections").json(t)
	cs := m["collections"].([]any)
	if len(cs) != 3 {
		t.Fatalf("collections %v", cs)
	}
	want := map[string][2]bool{hub.DefaultCollectionID: {true, true}, readOnlyID: {true, false}, submitOnlyID: {false, true}}
	for _, c := range cs {
		c := c.(map[string]any)
		rw, ok := want[c["id"].(string)]
		if !ok || c["can_read"] != rw[0] || c["can_write"] != rw[1] || c["media_types"].([]any)[0] != "application/stix+json;version=2.1" {
			t.Fatalf("collection %v", c)
		}
	}
	if a := w.get("/taxii2/jag/collections/read-only/"); a.status != 200 || a.json(t)["id"] != readOnlyID {
		t.Fatalf("by alias: %d %s", a.status, a.body)
	}
	// Hidden collections do not exist for the caller.
	wantError(t, w.get("/taxii2/jag/collections/"+adminOnlyID+"/"), 404)
	wantError(t, w.get("/taxii2/jag/collections/"+adminOnlyID+"/objects/"), 404)
	// Write-only: 403 on reads; read-only: 403 on writes.
	wantError(t, w.get("/taxii2/jag/collections/"+submitOnlyID+"/objects/"), 403)
	wantError(t, w.get("/taxii2/jag/collections/"+submitOnlyID+"/manifest/"), 403)
	wantError(t, w.do("POST", "/taxii2/jag/collections/"+readOnlyID+"/objects/", "tok-a", `{"objects":[{}]}`, "Content-Type", MediaType), 403)
	// A token with scope submit only sees the default and the drop box.
	m = w.do("GET", "/taxii2/jag/collections/", "tok-submit", "").json(t)
	if n := len(m["collections"].([]any)); n != 2 {
		t.Fatalf("submit-only sees %d collections", n)
	}
	wantError(t, w.do("GET", objectsURL, "tok-submit", ""), http.StatusForbidden)
}

func TestMetrics(t *testing.T) {
	w := newWorld(t, 2)
	reg := prometheus.NewRegistry()
	w.h = New(w.h.cfg, Deps{Tokens: w.h.deps.Tokens, Collections: w.h.deps.Collections, Reader: w.reader, Metrics: reg}, zerolog.Nop())
	w.get(objectsURL)
	w.get(objectsURL + "?limit=0")
	w.do("GET", objectsURL, "", "")
	w.get("/taxii2/jag/nothing/")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "jag_taxii_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var endpoint, code string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "endpoint":
					endpoint = l.GetValue()
				case "code":
					code = l.GetValue()
				}
			}
			got[endpoint+" "+code] = m.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"objects 200": 1, "objects 400": 1, "unmatched 401": 1, "unmatched 404": 1}
	if len(got) != len(want) {
		t.Fatalf("counters %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("counters %v, want %v", got, want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{hub.Errorf(hub.CodeForbidden, "no org"), 403},
		{hub.Errorf(hub.CodeInvalidObject, "bad"), 422},
		{hub.Errorf(hub.CodeConflict, "taken"), 409},
		{hub.ErrNotFound, 404},
		{hub.ErrUnavailable, 503},
		{errors.New("boom"), 500},
	} {
		e := errorFor(tc.err)
		if e.Status != tc.want || e.HTTPStatus != strconv.Itoa(tc.want) || e.Title == "" {
			t.Errorf("%v: %+v, want %d", tc.err, e, tc.want)
		}
		if tc.want == 500 && strings.Contains(e.Description, "boom") {
			t.Errorf("an internal error leaks: %+v", e)
		}
	}
}
