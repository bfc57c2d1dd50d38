package taxii

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAddObjects(t *testing.T) {
	w := newWorld(t, 0)
	ct := []string{"Content-Type", MediaType}
	env := `{"objects":[
		{"type":"indicator","id":"indicator--00000000-0000-4000-8000-00000000000a","modified":"2026-01-01T00:00:00.000Z"},
		{"type":"indicator","id":"indicator--00000000-0000-4000-8000-00000000000b","modified":"2026-01-01T00:00:00.000Z","bad":true}]}`
	a := w.do("POST", objectsURL, "tok-a", env, ct...)
	if a.status != http.StatusAccepted {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	st := a.json(t)
	if st["status"] != "complete" || st["total_count"] != float64(2) || st["success_count"] != float64(1) ||
		st["failure_count"] != float64(1) || st["pending_count"] != float64(0) {
		t.Fatalf("status %s", a.body)
	}
	f := st["failures"].([]any)[0].(map[string]any)
	if f["id"] != "indicator--00000000-0000-4000-8000-00000000000b" || !strings.HasPrefix(f["message"].(string), "invalid_signature: ") {
		t.Fatalf("failure %v", f)
	}
	// The status is readable later, by the same org only.
	id := st["id"].(string)
	b := w.get("/taxii2/jag/status/" + id)
	if b.status != 200 || string(b.body) != string(a.body) {
		t.Fatalf("status read back: %d %s", b.status, b.body)
	}
	wantError(t, w.do("GET", "/taxii2/jag/status/"+id+"/", "tok-b", ""), 404)
	wantError(t, w.get("/taxii2/jag/status/00000000-0000-4000-8000-000000000000/"), 404)
	wantError(t, w.get("/taxii2/jag/status/../"), 404)

	// Errors, each before the ingest runs.
	calls := w.ingester.calls
	wantError(t, w.do("POST", objectsURL, "tok-a", env, "Content-Type", "application/json"), 415)
	wantError(t, w.do("POST", objectsURL, "tok-a", env, "Content-Type", "application/taxii+json;version=2.0"), 415)
	wantError(t, w.do("POST", objectsURL, "tok-a", env), 415)
	wantError(t, w.do("POST", objectsURL, "tok-a", env, "Content-Type", MediaType, "Accept", "application/json"), 406)
	wantError(t, w.do("POST", objectsURL, "tok-read", env, ct...), 403)
	wantError(t, w.do("POST", objectsURL, "", env, ct...), 401)
	wantError(t, w.do("POST", objectsURL, "tok-a", `{"objects":[`, ct...), 400)
	wantError(t, w.do("POST", objectsURL, "tok-a", `{"objects":[]}`, ct...), 422)
	wantError(t, w.do("POST", objectsURL, "tok-a", `{"objects":{}}`, ct...), 422)
	wantError(t, w.do("POST", objectsURL, "tok-a", `{"type":"bundle","objects":[{}]}`, ct...), 422)
	wantError(t, w.do("POST", objectsURL, "tok-a", `[]`, ct...), 422)
	wantError(t, w.do("POST", objectsURL, "tok-a", `{"objects":[{}]} {}`, ct...), 400)
	big := `{"objects":[{"x":"` + strings.Repeat("a", 5000) + `"}]}`
	wantError(t, w.do("POST", objectsURL, "tok-a", big, ct...), 413)
	// Without Content-Length (chunked) the limit holds while reading.
	r := httptest.NewRequest("POST", objectsURL, strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer tok-a")
	r.Header.Set("Content-Type", MediaType)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	if rec.Code != 413 || rec.Header().Get("Content-Type") != MediaType {
		t.Fatalf("chunked: %d %s", rec.Code, rec.Body)
	}
	if w.ingester.calls != calls {
		t.Fatal("ingest ran for a refused request")
	}
	// A drop box is writable without being readable.
	a = w.do("POST", "/taxii2/jag/collections/"+submitOnlyID+"/objects/", "tok-a", env, ct...)
	if a.status != 202 {
		t.Fatalf("drop box: %d %s", a.status, a.body)
	}
}
