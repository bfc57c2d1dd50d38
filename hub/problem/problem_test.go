package problem

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// Every code has one status and CodeFor finds a code of that status.
func TestCodesAndStatuses(t *testing.T) {
	for c := range statusOf {
		st := Status(c)
		if st < 400 || http.StatusText(st) == "" {
			t.Errorf("%s: status %d", c, st)
		}
		if Status(CodeFor(st)) != st {
			t.Errorf("CodeFor(%d) = %s, whose status is %d", st, CodeFor(st), Status(CodeFor(st)))
		}
	}
	if Status("no-such-code") != 500 || CodeFor(418) != hub.CodeBadRequest || CodeFor(502) != hub.CodeInternal {
		t.Error("unknown codes and statuses")
	}
}

func TestFromMapsErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{hub.Errorf(hub.CodeSignerMismatch, "x"), 403, hub.CodeSignerMismatch},
		{fmt.Errorf("read: %w", hub.ErrUnavailable), 503, hub.CodeUnavailable},
		{context.DeadlineExceeded, 503, hub.CodeUnavailable},
		{fmt.Errorf("x: %w", hub.ErrNotFound), 404, hub.CodeNotFound},
		{hub.ErrConflict, 409, hub.CodeConflict},
		{auth.ErrUnauthorized, 401, hub.CodeUnauthorized},
		{auth.ErrForbidden, 403, hub.CodeForbidden},
		{&http.MaxBytesError{Limit: 1}, 413, hub.CodeTooLarge},
		{errors.New("boom"), 500, hub.CodeInternal},
	} {
		d := From(tc.err)
		if d.Status != tc.status || d.Code != tc.code || d.Type != TypeBase+tc.code || d.Title != http.StatusText(tc.status) {
			t.Errorf("%v: %+v", tc.err, d)
		}
	}
	if d := From(errors.New("secret detail")); d.Detail != "" {
		t.Errorf("internal error leaks its detail: %q", d.Detail)
	}
}

func TestWriteHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/", nil), hub.ErrUnavailable)
	h := rec.Header()
	if rec.Code != 503 || h.Get("Retry-After") != "2" || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %v", rec.Code, h)
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("Retry-After", "1")
	Write(rec, httptest.NewRequest("GET", "/", nil), hub.ErrUnavailable)
	if rec.Header().Get("Retry-After") != "1" {
		t.Fatal("a caller's Retry-After was overwritten")
	}
	rec = httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/", nil), auth.ErrUnauthorized)
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}
