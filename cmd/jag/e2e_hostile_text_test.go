package main

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestHostileTextParameters sends query parameters and path ids that
// PostgreSQL cannot hold as text (invalid UTF-8, NUL): each is a client
// error with its documented code, never a 500 from the database.
func TestHostileTextParameters(t *testing.T) {
	w := newWorld(t, pgtest.URL(t), e2eOrgA)
	p := startServe(t, w.dbURL)
	read := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead, auth.ScopeSubmit)
	admin := w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin)
	nulCursor := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"indicator--\u0000","m":"x"}`))
	tests := []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"search q invalid utf-8", http.MethodGet, "/v1/objects?q=%FF", read, "", 400, "bad_request"},
		{"search q nul", http.MethodGet, "/v1/objects?q=a%00b", read, "", 400, "bad_request"},
		{"search label invalid utf-8", http.MethodGet, "/v1/objects?label=%C3%28", read, "", 400, "bad_request"},
		{"search type nul", http.MethodGet, "/v1/objects?type=indicator%00", read, "", 400, "bad_request"},
		{"search created_by invalid utf-8", http.MethodGet, "/v1/objects?created_by=%FF", read, "", 400, "bad_request"},
		{"search cursor nul", http.MethodGet, "/v1/objects?next=" + nulCursor, read, "", 400, "bad_request"},
		{"search observable invalid utf-8", http.MethodGet, "/v1/objects?observable=http://a.example/%FF", read, "", 400, "bad_request"},
		{"lookup url invalid utf-8", http.MethodGet, "/v1/lookup?value=http://a.example/%FF", read, "", 400, "bad_request"},
		{"submission id invalid utf-8", http.MethodGet, "/v1/submissions/%FF", read, "", 404, "not_found"},
		{"submission id nul", http.MethodGet, "/v1/submissions/a%00", read, "", 404, "not_found"},
		{"participant jwks invalid utf-8", http.MethodGet, "/v1/participants/%FF/jwks", read, "", 404, "not_found"},
		{"revoke key invalid utf-8", http.MethodPost, "/v1/admin/keys/%FF/revoke", admin, "", 404, "not_found"},
		{"add key participant invalid utf-8", http.MethodPost, "/v1/admin/participants/%FF/keys", admin, `{}`, 404, "not_found"},
		{"revoke token jti nul", http.MethodPost, "/v1/admin/tokens/revoke", admin, `{"jti":"a\u0000"}`, 400, "bad_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := hubDo(t, tc.method, p.URL+tc.path, tc.token, "application/json", tc.body)
			if a.Status != tc.status || a.code() != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, a.Status, a.Raw, tc.status, tc.code)
			}
		})
	}
}
