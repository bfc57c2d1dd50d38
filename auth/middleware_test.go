package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	a, rev := newTestAuthority(t, nil)
	ctx := context.Background()
	issue := func(scopes ...string) string {
		tok, _, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, Scopes: scopes, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	reader, admin := issue("read"), issue("admin")
	revoked, jti, _ := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, Scopes: []string{"read"}, TTL: time.Hour})
	rev.revoke(jti)

	var seen *Principal
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = FromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	readRoute := Authenticate(a, nil)(requireScope(ScopeRead, final))
	anyRoute := Authenticate(a, nil)(requireScope("", final))
	openRoute := Authenticate(a, nil)(final)

	tests := []struct {
		name    string
		h       http.Handler
		target  string
		headers map[string]string
		status  int
		org     string
	}{
		{"OK read", readRoute, "/v1/objects", map[string]string{"Authorization": "Bearer " + reader}, 204, orgA},
		{"OK lower-case scheme", readRoute, "/v1/objects", map[string]string{"Authorization": "bearer " + reader}, 204, orgA},
		{"OK websocket subprotocol", readRoute, "/v1/feed", map[string]string{"Sec-WebSocket-Protocol": "jag.v1, bearer." + reader}, 204, orgA},
		{"OK any authenticated", anyRoute, "/x", map[string]string{"Authorization": "Bearer " + admin}, 204, orgA},
		{"OK open route without token", openRoute, "/x", nil, 204, ""},
		{"ErrForbidden missing scope", readRoute, "/v1/objects", map[string]string{"Authorization": "Bearer " + admin}, 403, ""},
		{"ErrUnauthorized no token", readRoute, "/v1/objects", nil, 401, ""},
		{"ErrUnauthorized bad token", openRoute, "/x", map[string]string{"Authorization": "Bearer x.y.z"}, 401, ""},
		{"ErrUnauthorized revoked", readRoute, "/x", map[string]string{"Authorization": "Bearer " + revoked}, 401, ""},
		{"ErrUnauthorized basic auth", readRoute, "/x", map[string]string{"Authorization": "Basic YTpi"}, 401, ""},
		{"ErrTokenInQuery", readRoute, "/v1/objects?access_token=" + reader, nil, 401, ""},
		{"ErrTokenInQuery with header too", readRoute, "/v1/objects?token=" + reader, map[string]string{"Authorization": "Bearer " + reader}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.status >= 400 {
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("Content-Type = %q", ct)
				}
				if strings.Contains(w.Body.String(), reader) {
					t.Fatal("error body echoes the token")
				}
				if seen != nil {
					t.Fatal("handler ran")
				}
				return
			}
			gotOrg := ""
			if seen != nil {
				gotOrg = seen.Org
			}
			if gotOrg != tt.org {
				t.Fatalf("principal org = %q, want %q", gotOrg, tt.org)
			}
		})
	}
}

// requireScope is the gate the tests put behind Authenticate: a principal
// with scope (any principal for ""), else WriteError's 401 or 403. The
// hub's own gate is its route table's access rules (hub/rest).
func requireScope(scope string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		switch {
		case !ok:
			WriteError(w, r, ErrUnauthorized)
		case scope != "" && !p.HasScope(scope):
			WriteError(w, r, ErrForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func TestAuthenticateStoreDownIs503(t *testing.T) {
	a, rev := newTestAuthority(t, nil)
	tok, _, err := a.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	rev.err = errors.New("connection refused")
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	Authenticate(a, nil)(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("status = %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}
