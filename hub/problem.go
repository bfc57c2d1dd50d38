package hub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
)

// ProblemItem is one entry of a problem's errors list: one finding about
// one object of a submission.
type ProblemItem struct {
	Object  string `json:"object,omitempty"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document with a stable machine code. It is
// also an error, so handlers and services return it directly.
type Problem struct {
	Type   string        `json:"type"`
	Title  string        `json:"title"`
	Status int           `json:"status"`
	Code   string        `json:"code"`
	Detail string        `json:"detail,omitempty"`
	Errors []ProblemItem `json:"errors,omitempty"`

	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Code + ": " + p.Detail
	}
	return p.Code
}

// NewProblem builds a problem with the standard title for status.
func NewProblem(status int, code, detail string) *Problem {
	return &Problem{
		Type:   "https://jag.example/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: detail,
	}
}

// Stable problem codes (API.md section 3).
const (
	CodeInvalidJSON      = "invalid_json"
	CodeInvalidObject    = "invalid_object"
	CodeInvalidPattern   = "invalid_pattern"
	CodeInvalidSignature = "invalid_signature"
	CodeSignerMismatch   = "signer_mismatch"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeUnavailable      = "unavailable"
	CodeBadRequest       = "bad_request"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeInternal         = "internal"
)

// problemFor maps any error to the problem a client sees. Internal errors
// become a bare 500 whose detail says nothing about the cause.
func problemFor(err error) *Problem {
	var p *Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		pr := NewProblem(http.StatusServiceUnavailable, CodeUnavailable, "the database is unavailable; retry later")
		pr.RetryAfter = 2
		return pr
	case errors.Is(err, auth.ErrUnauthorized):
		return NewProblem(http.StatusUnauthorized, CodeUnauthorized, "a valid bearer token is required")
	case errors.Is(err, auth.ErrForbidden):
		return NewProblem(http.StatusForbidden, CodeForbidden, "")
	case errors.Is(err, ErrNotFound):
		return NewProblem(http.StatusNotFound, CodeNotFound, "")
	case errors.Is(err, ErrConflict):
		return NewProblem(http.StatusConflict, CodeConflict, "")
	case isMaxBytes(err):
		return NewProblem(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large")
	default:
		return NewProblem(http.StatusInternalServerError, CodeInternal, "")
	}
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// fail writes err as a problem and logs it once when it is internal or an
// outage. Client errors are not logged beyond the access log line, nor is
// a request whose client went away (its context was cancelled): nobody
// reads that answer and nothing failed on our side.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		writeProblem(w, NewProblem(http.StatusServiceUnavailable, CodeUnavailable, "request cancelled"))
		return
	}
	p := problemFor(err)
	if p.Status >= 500 {
		hlog.FromRequest(r).Error().Err(err).Int("status", p.Status).Str("code", p.Code).Msg("request failed")
	}
	writeProblem(w, p)
}

// WriteError answers err with the problem the hub maps it to (the one
// mapping from errors to HTTP): the error writer for auth.Authenticate, so
// a refused token and a revocation list that cannot be read (503 with
// Retry-After) look like every other hub problem.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { fail(w, r, err) }

func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="jag"`)
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
