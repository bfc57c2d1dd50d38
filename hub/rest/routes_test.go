package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// Every route states an explicit access rule; a route added without one
// fails here (and panics at start-up).
func TestRoutesHaveAccessRules(t *testing.T) {
	s := New(Config{}, Deps{Log: zerolog.Nop()})
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		if rt.access.kind == 0 {
			t.Errorf("route %q has no access rule", rt.pattern)
		}
		if rt.handler == nil {
			t.Errorf("route %q has no handler", rt.pattern)
		}
		if seen[rt.pattern] {
			t.Errorf("route %q registered twice", rt.pattern)
		}
		seen[rt.pattern] = true
		if rt.pattern != "/" && !strings.HasPrefix(rt.pattern, "GET ") && !strings.HasPrefix(rt.pattern, "POST ") &&
			!strings.HasPrefix(rt.pattern, "PUT ") && !strings.HasPrefix(rt.pattern, "DELETE ") {
			t.Errorf("route %q does not name its method", rt.pattern)
		}
	}
}

// Without an authenticator every protected route answers 401 problem+json.
func TestProtectedRoutesDenyAnonymous(t *testing.T) {
	s := New(Config{}, Deps{Log: zerolog.Nop()})
	h := s.Handler()
	for _, rt := range s.routes() {
		if rt.access.kind == accessPublic {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.ReplaceAll(path, "{id}", "x")
		path = strings.ReplaceAll(path, "{kid}", "x")
		req := httptest.NewRequest(method, path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s anonymous = %d, want 401", rt.pattern, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s content type %q", rt.pattern, ct)
		}
	}
}

func TestUnknownPathIs404(t *testing.T) {
	s := New(Config{}, Deps{Log: zerolog.Nop()})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/nope", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status = %d", rec.Code)
	}
}

// Non-streaming handlers run under the configured request timeout; the
// feed and the exports (bounded by their own stall and duration limits,
// export.go) do not.
func TestRequestTimeout(t *testing.T) {
	s := New(Config{RequestTimeout: 123 * time.Millisecond}, Deps{Log: zerolog.Nop()})
	var got []string
	for _, rt := range s.routes() {
		if rt.streaming {
			got = append(got, rt.pattern)
		}
	}
	if want := []string{"GET /v1/feed", "GET /v1/exports/{format}", "GET /v1/exports/by-name/{name}"}; !slices.Equal(got, want) {
		t.Fatalf("streaming routes = %v, want %v", got, want)
	}
	var deadline time.Time
	var ok bool
	h := withTimeout(s.cfg.RequestTimeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, ok = r.Context().Deadline()
	}))
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/objects", nil))
	end := time.Now()
	const d = 123 * time.Millisecond
	if !ok || deadline.Before(start.Add(d)) || deadline.After(end.Add(d)) {
		t.Fatalf("deadline %v after start (ok=%v), want %v", deadline.Sub(start), ok, d)
	}
}

// A request whose client went away is answered (nobody reads it) without
// an error log line; an internal error is logged once.
func TestFailLogsOnlyRealFailures(t *testing.T) {
	var logs strings.Builder
	log := zerolog.New(&logs)
	for _, tc := range []struct {
		name   string
		cancel bool
		err    error
		status int
		logged bool
	}{
		{"client gone", true, fmt.Errorf("search: %w", context.Canceled), 503, false},
		{"internal", false, errors.New("boom"), 500, true},
		{"not found", false, hub.ErrNotFound, 404, false},
	} {
		logs.Reset()
		ctx, cancel := context.WithCancel(log.WithContext(context.Background()))
		if tc.cancel {
			cancel()
		}
		r := httptest.NewRequest("GET", "/v1/objects", nil).WithContext(ctx)
		r = r.WithContext(log.WithContext(r.Context()))
		rec := httptest.NewRecorder()
		fail(rec, r, tc.err)
		cancel()
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.status)
		}
		if got := strings.Contains(logs.String(), "request failed"); got != tc.logged {
			t.Errorf("%s: logged %v, want %v (%q)", tc.name, got, tc.logged, logs.String())
		}
	}
}

// A known path under a method it does not serve is 405 with Allow, not
// 404; HEAD is allowed wherever GET is.
func TestWrongMethodIs405(t *testing.T) {
	s := New(Config{}, Deps{Log: zerolog.Nop()})
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/objects", "GET, HEAD"},
		{"PUT", "/v1/lookup", "GET, HEAD, POST"},
		{"GET", "/v1/bundles", "POST"},
		{"POST", "/v1/objects/indicator--00000000-0000-4000-8000-000000000001/provenance", "GET, HEAD"},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.allow)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: content type %q", tc.method, tc.path, ct)
		}
	}
}

// Another channel's handler mounted beside the API gets the principal,
// the timeout and the metrics under its own router's patterns.
func TestMount(t *testing.T) {
	inner := http.NewServeMux()
	var sawPrincipal, sawDeadline bool
	inner.HandleFunc("GET /taxii2/{api}/collections/", func(w http.ResponseWriter, r *http.Request) {
		_, sawPrincipal = auth.FromContext(r.Context())
		_, sawDeadline = r.Context().Deadline()
		w.WriteHeader(http.StatusNoContent)
	})
	authn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), &auth.Principal{Org: "o", Scopes: []string{auth.ScopeAdmin}}))) // admin: /metrics
		})
	}
	reg := prometheus.NewRegistry()
	s := New(Config{}, Deps{Log: zerolog.Nop(), Registry: reg, Authenticate: authn, Mounts: []Mount{{Pattern: "/taxii2/", Handler: inner}}})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/taxii2/api1/collections/", nil))
	if rec.Code != http.StatusNoContent || !sawPrincipal || !sawDeadline {
		t.Fatalf("status %d principal %v deadline %v", rec.Code, sawPrincipal, sawDeadline)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `route="/taxii2/ GET /taxii2/{api}/collections/"`; !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("metrics lack %s:\n%s", want, rec.Body.String())
	}
}
