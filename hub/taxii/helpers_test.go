package taxii

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

const (
	orgA = "identity--aaaaaaaa-0000-4000-8000-000000000001"
	orgB = "identity--bbbbbbbb-0000-4000-8000-000000000002"
	// readOnlyID is a collection readable with scope read, not writable.
	readOnlyID = "11111111-0000-4000-8000-000000000001"
	// adminOnlyID is readable with scope admin only.
	adminOnlyID = "22222222-0000-4000-8000-000000000002"
	// submitOnlyID is writable with scope submit and readable with admin.
	submitOnlyID = "33333333-0000-4000-8000-000000000003"
)

// world is a Handler over fakes with n indicator versions added one
// microsecond apart (every third one visible to orgB only).
type world struct {
	t        *testing.T
	h        *Handler
	reader   *fakeReader
	ingester *fakeIngester
	statuses *fakeStatuses
	base     time.Time
}

func newWorld(t *testing.T, n int) *world {
	t.Helper()
	w := &world{t: t, reader: &fakeReader{}, ingester: &fakeIngester{}, statuses: &fakeStatuses{},
		base: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	for i := range n {
		org := ""
		if i%3 == 2 {
			org = orgB
		}
		w.add(fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i), w.base.Add(time.Duration(i)*time.Second), org)
	}
	tokens := fakeTokens{
		"tok-a":      {Subject: "a", Org: orgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeRead, auth.ScopeSubmit}},
		"tok-b":      {Subject: "b", Org: orgB, Tier: auth.TierMember, Scopes: []string{auth.ScopeRead, auth.ScopeSubmit}},
		"tok-read":   {Subject: "r", Org: orgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeRead}},
		"tok-submit": {Subject: "s", Org: orgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeSubmit}},
	}
	cols := fakeCollections{
		{ID: readOnlyID, Alias: "read-only", Title: "Read only", ReadScopes: []string{auth.ScopeRead}},
		{ID: adminOnlyID, Title: "Admins", ReadScopes: []string{auth.ScopeAdmin}},
		{ID: submitOnlyID, Title: "Drop box", ReadScopes: []string{auth.ScopeAdmin}, WriteScopes: []string{auth.ScopeSubmit}},
	}
	w.h = New(Config{MaxContentLength: 4096, MaxPageBytes: 1 << 20}, Deps{Tokens: tokens, Collections: cols, Reader: w.reader,
		Ingester: w.ingester, Statuses: w.statuses}, zerolog.Nop())
	return w
}

// add appends a version added one microsecond after the previous one.
func (w *world) add(id string, modified time.Time, org string) {
	added := w.base.Add(time.Duration(len(w.reader.entries)+1) * time.Microsecond)
	mod := modified.Format("2006-01-02T15:04:05.000Z")
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":%q}`, id, mod)
	w.reader.entries = append(w.reader.entries, fakeEntry{
		CollectionEntry: hub.CollectionEntry{
			ObjectVersion: hub.ObjectVersion{ID: id, Modified: mod, Type: "indicator", Raw: []byte(raw)},
			DateAdded:     added,
		},
		modifiedAt: modified, org: org,
	})
}

// answer is a recorded response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, a.body)
	}
	return m
}

// do sends a request with the given token (Bearer) and headers.
func (w *world) do(method, url, token string, body string, hdr ...string) answer {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, url, rd)
	r.Header.Set("Accept", MediaType)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if ct := a.header.Get("Content-Type"); ct != MediaType {
		w.t.Fatalf("%s %s: Content-Type %q, want %q", method, url, ct, MediaType)
	}
	return a
}

// get is a GET with tok-a.
func (w *world) get(url string) answer { w.t.Helper(); return w.do("GET", url, "tok-a", "") }

// wantError checks a TAXII error message with status.
func wantError(t *testing.T, a answer, status int) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	m := a.json(t)
	if m["title"] == "" || m["title"] == nil || m["http_status"] != fmt.Sprint(status) {
		t.Fatalf("not a TAXII error message for %d: %s", status, a.body)
	}
	return m
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

const objectsURL = "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/"
