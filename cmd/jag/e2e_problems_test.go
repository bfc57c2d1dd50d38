package main

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// Every HTTP error surface of the real binary — the REST API, the ingest
// pipeline, the authentication middleware, the route access rules, the
// admin routes, the feed's refusals before the upgrade, unknown routes
// and wrong methods — answers with one problem shape: the same media type
// and cache header, type "https://jag.example/problems/<code>", the
// status's title, the status, and only the documented members.
func TestEveryErrorSurfaceAnswersOneProblem(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	reader := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)
	submitter := w.token(e2eOrgA, auth.TierMember, auth.ScopeSubmit)
	admin := w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin)
	const stix = "application/stix+json;version=2.1"

	for _, tc := range []struct {
		surface, method, path, token, contentType, body string
		header                                          [2]string // an extra request header
		status                                          int
		code                                            string
	}{
		{surface: "rest: unknown query parameter", method: "GET", path: "/v1/objects?nope=1", token: reader, status: 400, code: "bad_request"},
		{surface: "rest: bad identifier", method: "GET", path: "/v1/objects/not-an-id", token: reader, status: 400, code: "bad_request"},
		{surface: "rest: missing object", method: "GET", path: "/v1/objects/indicator--00000000-0000-4000-8000-000000000001", token: reader, status: 404, code: "not_found"},
		{surface: "ingest: media type", method: "POST", path: "/v1/bundles", token: submitter, contentType: "text/plain", body: "{}", status: 415, code: "unsupported_media_type"},
		{surface: "ingest: not JSON", method: "POST", path: "/v1/bundles", token: submitter, contentType: stix, body: "{", status: 400, code: "invalid_json"},
		{surface: "ingest: invalid bundle", method: "POST", path: "/v1/bundles", token: submitter, contentType: stix,
			body: `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[{"type":"indicator"}]}`, status: 422, code: "invalid_object"},
		{surface: "auth: no token", method: "GET", path: "/v1/participants", status: 401, code: "unauthorized"},
		{surface: "auth: malformed token", method: "GET", path: "/v1/objects", token: "not.a.token", status: 401, code: "unauthorized"},
		{surface: "access: missing scope", method: "POST", path: "/v1/bundles", token: reader, contentType: stix, body: "{}", status: 403, code: "forbidden"},
		{surface: "admin: not an admin", method: "POST", path: "/v1/admin/participants", token: reader, body: "{}", status: 403, code: "forbidden"},
		{surface: "admin: bad body", method: "POST", path: "/v1/admin/participants", token: admin, body: "[]", status: 400, code: "invalid_json"},
		{surface: "admin: bad participant", method: "POST", path: "/v1/admin/participants", token: admin, body: `{"id":"x","name":"y"}`, status: 400, code: "bad_request"},
		{surface: "admin: unknown key", method: "POST", path: "/v1/admin/keys/nokid/revoke", token: admin, status: 404, code: "not_found"},
		{surface: "feed: no token", method: "GET", path: "/v1/feed", status: 401, code: "unauthorized"},
		{surface: "feed: not a websocket", method: "GET", path: "/v1/feed", token: reader, status: 400, code: "bad_request"},
		{surface: "feed: origin", method: "GET", path: "/v1/feed", token: reader, header: [2]string{"Origin", "https://evil.example"}, status: 403, code: "forbidden"},
		{surface: "log: no token", method: "GET", path: "/v1/log/checkpoint", status: 401, code: "unauthorized"},
		{surface: "log: no such tile", method: "GET", path: "/v1/log/tile/0/999", token: reader, status: 404, code: "not_found"},
		{surface: "log: bad cosignature body", method: "POST", path: "/v1/log/cosignatures", token: reader, body: "{", status: 400, code: "invalid_json"},
		{surface: "log: wrong method", method: "DELETE", path: "/v1/log/checkpoint", token: reader, status: 405, code: "method_not_allowed"},
		{surface: "unknown route", method: "GET", path: "/nope", status: 404, code: "not_found"},
		{surface: "wrong method", method: "DELETE", path: "/v1/objects", token: reader, status: 405, code: "method_not_allowed"},
		{surface: "wrong method on the feed", method: "POST", path: "/v1/feed", token: reader, status: 405, code: "method_not_allowed"},
	} {
		t.Run(tc.surface, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequest(tc.method, p.URL+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.header[0] != "" {
				req.Header.Set(tc.header[0], tc.header[1])
			}
			resp, err := e2eClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			checkProblem(t, resp, raw, tc.status, tc.code)
			switch tc.status {
			case 401:
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			case 405:
				if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || strings.Contains(allow, tc.method) {
					t.Errorf("Allow %q", allow)
				}
			}
		})
	}
}

// checkProblem checks the one problem shape.
func checkProblem(t *testing.T, resp *http.Response, raw []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, raw)
	}
	for k := range doc {
		if !slices.Contains([]string{"type", "title", "status", "code", "detail", "errors"}, k) {
			t.Errorf("undocumented member %q in %s", k, raw)
		}
	}
	var p struct {
		Type, Title, Code string
		Status            int
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != code || p.Status != status || p.Title != http.StatusText(status) || p.Type != "https://jag.example/problems/"+code {
		t.Errorf("problem %+v, want code %q status %d", p, code, status)
	}
}
