package rest

import (
	"bytes"
	"context"
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
	"github.com/jag-hub/jag/hub/problem"
	"github.com/jag-hub/jag/stix"
	"github.com/jag-hub/jag/stix/pattern"
)

// fakeQueries is an in-memory Queries: it answers from canned values and
// records what the handlers asked.
type fakeQueries struct {
	objects  map[string]hub.ObjectVersion // by id; anything else is not found
	versions []hub.ObjectVersion
	search   []hub.ObjectVersion
	hits     []hub.LookupHit
	prov     hub.Provenance
	keys     []auth.Key
	err      error // returned by every method when set

	gotViewer hub.Viewer
	gotFilter hub.ObjectFilter
	gotAfter  *hub.Cursor
	gotLimit  int
	gotProbes []hub.Probe
	gotMod    string
}

// VisibleVersions: the fake holds no receipts.
func (f *fakeQueries) VisibleVersions(context.Context, hub.Viewer, string, []hub.ReceiptObject) (int, error) {
	return 0, nil
}

func (f *fakeQueries) Object(_ context.Context, v hub.Viewer, id, modified string) (hub.ObjectVersion, error) {
	f.gotViewer, f.gotMod = v, modified
	if f.err != nil {
		return hub.ObjectVersion{}, f.err
	}
	o, ok := f.objects[id]
	if !ok {
		return hub.ObjectVersion{}, fmt.Errorf("get object: %w", hub.ErrNotFound)
	}
	return o, nil
}

func (f *fakeQueries) ObjectVersions(_ context.Context, v hub.Viewer, id string, _ *hub.Cursor, _ int, _ int64) ([]hub.ObjectVersion, error) {
	f.gotViewer = v
	return f.versions, f.err
}

func (f *fakeQueries) SearchObjects(_ context.Context, v hub.Viewer, flt hub.ObjectFilter, after *hub.Cursor, limit int, _ int64) ([]hub.ObjectVersion, error) {
	f.gotViewer, f.gotFilter, f.gotAfter, f.gotLimit = v, flt, after, limit
	if len(f.search) > limit {
		return f.search[:limit], f.err
	}
	return f.search, f.err
}

func (f *fakeQueries) Lookup(_ context.Context, v hub.Viewer, probes []hub.Probe, _ hub.LookupAfter, limit int, _ int64) ([]hub.LookupHit, error) {
	f.gotViewer, f.gotProbes, f.gotLimit = v, probes, limit
	return f.hits, f.err
}

func (f *fakeQueries) Provenance(_ context.Context, v hub.Viewer, id, modified string) (hub.Provenance, error) {
	f.gotViewer, f.gotMod = v, modified
	if f.err != nil {
		return hub.Provenance{}, f.err
	}
	if f.prov.Object.ID != id {
		return hub.Provenance{}, hub.ErrNotFound
	}
	return f.prov, nil
}

func (f *fakeQueries) ParticipantKeys(context.Context, string) ([]auth.Key, error) {
	return f.keys, f.err
}

// qAuthn reads "Authorization: Bearer org|tier|scope scope".
func qAuthn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			parts := strings.SplitN(tok, "|", 3)
			p := &auth.Principal{Org: parts[0], Tier: parts[1], Scopes: strings.Fields(parts[2])}
			r = r.WithContext(auth.NewContext(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

const (
	qOrgA      = "identity--aaaaaaaa-0000-4000-8000-000000000001"
	qIndicator = "indicator--00000000-0000-4000-8000-000000000001"
	qMissing   = "indicator--00000000-0000-4000-8000-000000000099"
)

var qMemberA = "Bearer " + qOrgA + "|member|read"

func newQueryServer(f *fakeQueries, cfg Config, now time.Time) http.Handler {
	return New(cfg, Deps{Log: zerolog.Nop(), Queries: hub.NewQueryService(f, func() time.Time { return now }), Authenticate: qAuthn}).Handler()
}

// qDo sends one request and returns status, content type and body.
func qDo(t *testing.T, h http.Handler, method, target, authz string, body string) (int, string, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
}

// qProblemCode returns the code of a problem+json body.
func qProblemCode(t *testing.T, ct string, body []byte) string {
	t.Helper()
	if ct != "application/problem+json" {
		t.Fatalf("content type %q for a problem: %s", ct, body)
	}
	var p problem.Doc
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	return p.Code
}

var qRawObject = []byte(`{ "type":"indicator", "id":"` + qIndicator + `", "name":"<b>&</b>" }`)

func TestGetObject(t *testing.T) {
	f := &fakeQueries{objects: map[string]hub.ObjectVersion{qIndicator: {ID: qIndicator, Raw: qRawObject}}}
	h := newQueryServer(f, Config{}, time.Now())

	t.Run("OK", func(t *testing.T) {
		code, ct, body := qDo(t, h, "GET", "/v1/objects/"+qIndicator, qMemberA, "")
		if code != 200 || ct != "application/json" {
			t.Fatalf("status %d %s", code, ct)
		}
		if want := append(append([]byte(nil), qRawObject...), '\n'); !bytes.Equal(body, want) {
			t.Fatalf("body = %s, want the stored bytes unchanged", body)
		}
		if f.gotViewer != (hub.Viewer{Org: qOrgA, Tier: "member"}) || f.gotMod != "" {
			t.Fatalf("asked for viewer %+v version %q", f.gotViewer, f.gotMod)
		}
	})
	t.Run("Version", func(t *testing.T) {
		code, _, _ := qDo(t, h, "GET", "/v1/objects/"+qIndicator+"?version=2026-01-01T00:00:00.123Z", qMemberA, "")
		if code != 200 || f.gotMod != "2026-01-01T00:00:00.123Z" {
			t.Fatalf("status %d, version asked %q", code, f.gotMod)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		code, ct, body := qDo(t, h, "GET", "/v1/objects/"+qMissing, qMemberA, "")
		if code != 404 || qProblemCode(t, ct, body) != hub.CodeNotFound {
			t.Fatalf("status %d %s", code, body)
		}
		_, _, other := qDo(t, h, "GET", "/v1/objects/"+qMissing+"?version=2026-01-01T00:00:00Z", qMemberA, "")
		if !bytes.Equal(body, other) {
			t.Fatalf("404 bodies differ:\n%s\n%s", body, other)
		}
	})
	for name, target := range map[string]string{
		"ErrBadID":        "/v1/objects/not-an-id",
		"ErrBadVersion":   "/v1/objects/" + qIndicator + "?version=yesterday",
		"ErrTwoVersions":  "/v1/objects/" + qIndicator + "?version=all&version=all",
		"ErrUnknownParam": "/v1/objects/" + qIndicator + "?versoin=all",
	} {
		t.Run(name, func(t *testing.T) {
			code, ct, body := qDo(t, h, "GET", target, qMemberA, "")
			if code != 400 || qProblemCode(t, ct, body) != hub.CodeBadRequest {
				t.Fatalf("status %d %s", code, body)
			}
		})
	}
	t.Run("All", func(t *testing.T) {
		f.versions = []hub.ObjectVersion{{Raw: []byte(`{"a":1}`)}, {Raw: []byte(`{"b":"<"}`)}}
		code, _, body := qDo(t, h, "GET", "/v1/objects/"+qIndicator+"?version=all", qMemberA, "")
		if code != 200 || string(body) != `{"objects":[{"a":1},{"b":"<"}]}`+"\n" {
			t.Fatalf("status %d body %s", code, body)
		}
		f.versions = nil
		code, ct, body := qDo(t, h, "GET", "/v1/objects/"+qIndicator+"?version=all", qMemberA, "")
		if code != 404 || qProblemCode(t, ct, body) != hub.CodeNotFound {
			t.Fatalf("no visible version: status %d %s", code, body)
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		f.err = fmt.Errorf("get object: %w", hub.ErrUnavailable)
		defer func() { f.err = nil }()
		req := httptest.NewRequest("GET", "/v1/objects/"+qIndicator, nil)
		req.Header.Set("Authorization", qMemberA)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || qProblemCode(t, rec.Header().Get("Content-Type"), rec.Body.Bytes()) != hub.CodeUnavailable {
			t.Fatalf("status %d retry-after %q", rec.Code, rec.Header().Get("Retry-After"))
		}
	})
}

func TestReadAccess(t *testing.T) {
	f := &fakeQueries{objects: map[string]hub.ObjectVersion{qIndicator: {ID: qIndicator, Raw: qRawObject}}}
	private := newQueryServer(f, Config{}, time.Now())
	public := newQueryServer(f, Config{PublicAccess: true}, time.Now())
	tests := []struct {
		name  string
		h     http.Handler
		authz string
		code  int
	}{
		{"ErrUnauthorized anonymous", private, "", 401},
		{"ErrForbidden without read scope", private, "Bearer " + qOrgA + "|member|submit", 403},
		{"OK anonymous with public access", public, "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{"/v1/objects/" + qIndicator, "/v1/objects", "/v1/lookup?value=example.org"} {
				code, _, body := qDo(t, tc.h, "GET", target, tc.authz, "")
				if code != tc.code {
					t.Fatalf("%s: status %d, want %d: %s", target, code, tc.code, body)
				}
			}
			if tc.code == 200 && f.gotViewer != (hub.Viewer{}) {
				t.Fatalf("anonymous viewer = %+v", f.gotViewer)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	received := time.Date(2026, 3, 1, 12, 0, 0, 5000, time.UTC)
	f := &fakeQueries{}
	for i := range 3 {
		f.search = append(f.search, hub.ObjectVersion{ID: fmt.Sprintf("indicator--%d", i), Modified: "m", Received: received, Raw: []byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	h := newQueryServer(f, Config{}, time.Now())

	t.Run("OK next page", func(t *testing.T) {
		code, _, body := qDo(t, h, "GET", "/v1/objects?limit=2", qMemberA, "")
		if code != 200 || f.gotLimit != 3 {
			t.Fatalf("status %d, store limit %d", code, f.gotLimit)
		}
		var ans struct {
			Objects []json.RawMessage `json:"objects"`
			Next    string            `json:"next"`
		}
		if err := json.Unmarshal(body, &ans); err != nil {
			t.Fatal(err)
		}
		if len(ans.Objects) != 2 || string(ans.Objects[1]) != `{"n":1}` || ans.Next == "" {
			t.Fatalf("answer %s", body)
		}
		c, err := hub.ParseCursor(ans.Next)
		if err != nil || c.ID != "indicator--1" || !c.Received.Equal(received) || c.Modified != "m" {
			t.Fatalf("next = %+v, %v", c, err)
		}
		code, _, _ = qDo(t, h, "GET", "/v1/objects?limit=2&next="+ans.Next, qMemberA, "")
		if code != 200 || f.gotAfter == nil || *f.gotAfter != c {
			t.Fatalf("cursor passed to store = %+v", f.gotAfter)
		}
	})
	t.Run("OK last page", func(t *testing.T) {
		code, _, body := qDo(t, h, "GET", "/v1/objects", qMemberA, "")
		if code != 200 || f.gotLimit != hub.DefaultSearchLimit+1 || string(body) != `{"objects":[{"n":0},{"n":1},{"n":2}]}`+"\n" {
			t.Fatalf("status %d limit %d body %s", code, f.gotLimit, body)
		}
	})

	yes := true
	probe, _ := hub.NewProbe("10.0.0.1")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	filters := []struct {
		query string
		want  hub.ObjectFilter
	}{
		{"type=indicator", hub.ObjectFilter{Type: "indicator"}},
		{"created_by=" + qOrgA, hub.ObjectFilter{CreatedBy: qOrgA}},
		{"label=apt", hub.ObjectFilter{Label: "apt"}},
		{"added_after=2026-01-02T03:04:05Z", hub.ObjectFilter{AddedAfter: at}},
		{"added_before=2026-01-02T04:04:05%2B01:00", hub.ObjectFilter{AddedBefore: at}},
		{"modified_after=2026-01-02T03:04:05Z", hub.ObjectFilter{ModifiedAfter: at}},
		{"valid_at=2026-01-02T03:04:05Z", hub.ObjectFilter{ValidAt: at}},
		{"revoked=true", hub.ObjectFilter{Revoked: &yes}},
		{"q=100%25", hub.ObjectFilter{Text: "100%"}},
		{"observable=10.0.0.1", hub.ObjectFilter{Observable: &probe}},
	}
	for _, tc := range filters {
		t.Run("filter "+tc.query, func(t *testing.T) {
			code, _, body := qDo(t, h, "GET", "/v1/objects?"+tc.query, qMemberA, "")
			if code != 200 {
				t.Fatalf("status %d %s", code, body)
			}
			got, _ := json.Marshal(f.gotFilter)
			want, _ := json.Marshal(tc.want)
			if !bytes.Equal(got, want) || !f.gotFilter.AddedBefore.Equal(tc.want.AddedBefore) {
				t.Fatalf("filter = %s, want %s", got, want)
			}
		})
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "next=garbage", "revoked=maybe", "added_after=2026-01-02",
		"observable=not%20a%20value", "type=", "type=a&type=b", "colour=red"} {
		t.Run("ErrBadRequest "+q, func(t *testing.T) {
			code, ct, body := qDo(t, h, "GET", "/v1/objects?"+q, qMemberA, "")
			if code != 400 || qProblemCode(t, ct, body) != hub.CodeBadRequest {
				t.Fatalf("status %d %s", code, body)
			}
		})
	}
}

func qHit(probe int, kind, value, id string) hub.LookupHit {
	return hub.LookupHit{Probe: probe, Observable: pattern.Observable{Kind: kind, Value: value, Path: "p", Op: "="},
		Object: hub.ObjectVersion{ID: id, Modified: "m", Type: "indicator", CreatedBy: qOrgA, Raw: []byte(`{"id":"` + id + `"}`)}}
}

func TestLookupHandlers(t *testing.T) {
	f := &fakeQueries{}
	h := newQueryServer(f, Config{}, time.Now())

	t.Run("OK GET", func(t *testing.T) {
		// two rows for one object: the exact one wins, whatever the order
		f.hits = []hub.LookupHit{qHit(0, "ipv4", "10.0.0.0/8", "indicator--1"), qHit(0, "ipv4", "10.0.0.1", "indicator--1"), qHit(0, "ipv4", "10.0.0.0/8", "indicator--2")}
		code, _, body := qDo(t, h, "GET", "/v1/lookup?value=10.0.0.1", qMemberA, "")
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
		want := `{"value":"10.0.0.1","kind":"ipv4","count":2,"matches":[` +
			`{"match":"exact","observable":{"kind":"ipv4","value":"10.0.0.1","path":"p","op":"="},"id":"indicator--1","modified":"m","type":"indicator","created_by":"` + qOrgA + `","received":"0001-01-01T00:00:00Z","revoked":false,"ref":"indicator--1/` + qOrgA + `"},` +
			`{"match":"cidr","observable":{"kind":"ipv4","value":"10.0.0.0/8","path":"p","op":"="},"id":"indicator--2","modified":"m","type":"indicator","created_by":"` + qOrgA + `","received":"0001-01-01T00:00:00Z","revoked":false,"ref":"indicator--2/` + qOrgA + `"}],` +
			`"objects":{"indicator--1/` + qOrgA + `":{"id":"indicator--1"},"indicator--2/` + qOrgA + `":{"id":"indicator--2"}}}` + "\n"
		if string(body) != want {
			t.Fatalf("body\n%s\nwant\n%s", body, want)
		}
	})
	for name, target := range map[string]string{
		"ErrNoValue":      "/v1/lookup",
		"ErrTwoValues":    "/v1/lookup?value=a.org&value=b.org",
		"ErrUnrecognised": "/v1/lookup?value=not%20a%20value",
		"ErrUnknownParam": "/v1/lookup?value=a.org&kind=domain",
	} {
		t.Run(name, func(t *testing.T) {
			code, ct, body := qDo(t, h, "GET", target, qMemberA, "")
			if code != 400 || qProblemCode(t, ct, body) != hub.CodeBadRequest {
				t.Fatalf("status %d %s", code, body)
			}
		})
	}
	t.Run("OK POST", func(t *testing.T) {
		// probe indexes count recognised values only: "b.example.org" is the second probe
		f.hits = []hub.LookupHit{qHit(1, "domain", "example.org", "indicator--3")}
		code, _, body := qDo(t, h, "POST", "/v1/lookup", qMemberA, `{"values":["10.0.0.1","not a value","b.example.org"]}`)
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
		if len(f.gotProbes) != 2 || f.gotProbes[1].Norm != "b.example.org" {
			t.Fatalf("probes %+v", f.gotProbes)
		}
		var ans struct {
			Results []struct {
				Value, Kind, Error string
				Count              int
				Matches            []struct{ Match, ID string }
			}
		}
		if err := json.Unmarshal(body, &ans); err != nil {
			t.Fatal(err)
		}
		r := ans.Results
		if len(r) != 3 || r[0].Count != 0 || r[1].Error == "" || r[1].Kind != "" || r[2].Count != 1 ||
			r[2].Matches[0].Match != pattern.MatchParentDomain || r[2].Matches[0].ID != "indicator--3" {
			t.Fatalf("answer %s", body)
		}
	})
	many, _ := json.Marshal(map[string][]string{"values": make([]string, hub.MaxLookupValues+1)})
	for name, tc := range map[string]struct {
		body string
		code int
		pc   string
	}{
		"ErrTooMany":      {string(many), 413, hub.CodeTooLarge},
		"ErrEmpty":        {`{"values":[]}`, 400, hub.CodeBadRequest},
		"ErrNotJSON":      {`{"values":`, 400, hub.CodeInvalidJSON},
		"ErrUnknownField": {`{"values":["a.org"],"x":1}`, 400, hub.CodeInvalidJSON},
		"ErrTrailing":     {`{"values":["a.org"]} {}`, 400, hub.CodeInvalidJSON},
	} {
		t.Run(name, func(t *testing.T) {
			code, ct, body := qDo(t, h, "POST", "/v1/lookup", qMemberA, tc.body)
			if code != tc.code || qProblemCode(t, ct, body) != tc.pc {
				t.Fatalf("status %d %s", code, body)
			}
		})
	}
}

func TestProvenanceHandler(t *testing.T) {
	key, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := auth.SignObject([]byte(`{"type":"indicator","id":"`+qIndicator+`","created_by_ref":"`+qOrgA+`"}`), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := auth.NewKey(qOrgA, key.Public(), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	revoked := received.Add(time.Hour)
	pub.RevokedAt = &revoked
	now := received.Add(48 * time.Hour)
	f := &fakeQueries{keys: []auth.Key{pub}, prov: hub.Provenance{
		Object:    hub.ObjectVersion{ID: qIndicator, Modified: "m", Type: "indicator", CreatedBy: qOrgA, Received: received, Raw: signed},
		SHA256:    []byte{0xab, 0xcd},
		Signature: "sig", KID: pub.KID, Signer: qOrgA, SignerName: "CERT A",
		Submission: hub.SubmissionRef{ID: "submission--1", Org: qOrgA, Received: received, Receipt: "receipt"},
	}}
	h := newQueryServer(f, Config{}, now)

	type answer struct {
		Object       json.RawMessage
		Raw          string
		SHA256       string
		KID          string
		Signer       struct{ ID, Name string }
		Submission   struct{ ID, Received, Receipt string }
		Verification struct {
			Now struct {
				Valid     bool
				Error, At string
			}
			AtReceived struct {
				Valid          bool
				Error, At, Alg string
			} `json:"at_received"`
		}
	}
	get := func(authz string) answer {
		t.Helper()
		code, _, body := qDo(t, h, "GET", "/v1/objects/"+qIndicator+"/provenance", authz, "")
		if code != 200 {
			t.Fatalf("status %d %s", code, body)
		}
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	t.Run("OK", func(t *testing.T) {
		a := get(qMemberA)
		if !bytes.Equal(a.Object, signed) || a.Raw == "" || a.SHA256 != "abcd" || a.KID != pub.KID || a.Signer.ID != qOrgA || a.Signer.Name != "CERT A" {
			t.Fatalf("answer %+v", a)
		}
		v := a.Verification
		if v.Now.Valid || !strings.Contains(v.Now.Error, "revoked") || v.Now.At != "2026-01-03T00:00:00Z" {
			t.Fatalf("verification now = %+v, want invalid (key revoked since)", v.Now)
		}
		if !v.AtReceived.Valid || v.AtReceived.Alg != "EdDSA" || v.AtReceived.At != "2026-01-01T00:00:00Z" {
			t.Fatalf("verification at receipt = %+v, want valid", v.AtReceived)
		}
		if a.Submission.Receipt != "receipt" {
			t.Fatalf("the submitting org does not see its receipt: %+v", a.Submission)
		}
	})
	t.Run("OK other org sees no receipt", func(t *testing.T) {
		a := get("Bearer identity--bbbbbbbb-0000-4000-8000-000000000002|member|read")
		if a.Submission.Receipt != "" || a.Submission.ID != "submission--1" {
			t.Fatalf("submission = %+v", a.Submission)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		code, ct, body := qDo(t, h, "GET", "/v1/objects/"+qMissing+"/provenance", qMemberA, "")
		_, _, plain := qDo(t, h, "GET", "/v1/objects/"+qMissing, qMemberA, "")
		if code != 404 || qProblemCode(t, ct, body) != hub.CodeNotFound || !bytes.Equal(body, plain) {
			t.Fatalf("status %d %s", code, body)
		}
	})
	t.Run("ErrVersionAll", func(t *testing.T) {
		code, ct, body := qDo(t, h, "GET", "/v1/objects/"+qIndicator+"/provenance?version=all", qMemberA, "")
		if code != 400 || qProblemCode(t, ct, body) != hub.CodeBadRequest {
			t.Fatalf("status %d %s", code, body)
		}
	})
}

func TestExtensionDefinition(t *testing.T) {
	h := newQueryServer(&fakeQueries{}, Config{}, time.Now())
	code, _, body := qDo(t, h, "GET", "/v1/objects/"+auth.ExtensionID, qMemberA, "")
	if code != 200 {
		t.Fatalf("status %d %s", code, body)
	}
	doc := `{"type":"bundle","id":"bundle--6f2d2a8e-3b1c-4b5e-9c1d-2f6a1e0b7c3d","objects":[` + string(bytes.TrimSpace(body)) + `]}`
	b, err := stix.DecodeBundle([]byte(doc), stix.DefaultLimits())
	if err != nil {
		t.Fatalf("not a STIX object: %v", err)
	}
	o := b.Objects[0]
	if _, probs := stix.Validate(b); len(probs) != 0 || o.ID != auth.ExtensionID || o.CreatedByRef != hub.HubIdentity {
		t.Fatalf("extension definition: %+v %+v", probs, o)
	}
	if code, _, body = qDo(t, h, "GET", "/v1/objects/"+auth.ExtensionID+"?version=all", qMemberA, ""); code != 200 || !bytes.HasPrefix(body, []byte(`{"objects":[{"type":"extension-definition"`)) {
		t.Fatalf("version=all: %d %s", code, body)
	}
	if code, _, _ = qDo(t, h, "GET", "/v1/objects/"+auth.ExtensionID+"?version=2020-01-01T00:00:00Z", qMemberA, ""); code != 404 {
		t.Fatalf("other version: %d", code)
	}
}
