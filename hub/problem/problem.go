// Package problem is the one RFC 9457 problem+json writer of every JAG
// HTTP surface (the REST API in hub/rest, the feed's refusals before the
// websocket upgrade in feeds, the authentication middleware, the admin
// routes, unknown routes and wrong methods) and the one mapping from the
// service core's errors to HTTP statuses.
//
// Every problem has the same shape: type "https://jag.example/problems/"
// followed by the code, the status's standard title, the status, the
// stable code (hub.Code…), an optional detail and findings; and the same
// headers: Content-Type application/problem+json, Cache-Control no-store,
// Retry-After on 503 (RetryAfter seconds unless the caller set its own),
// WWW-Authenticate on 401.
//
// Internal errors become a bare 500 whose detail says nothing about the
// cause; the cause is logged once on the request's logger.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// TypeBase prefixes the code in every problem's type URI.
const TypeBase = "https://jag.example/problems/"

// RetryAfter is the Retry-After (seconds) of every 503.
const RetryAfter = 2

// Doc is an RFC 9457 problem document with a stable machine code.
type Doc struct {
	Type   string     `json:"type"`
	Title  string     `json:"title"`
	Status int        `json:"status"`
	Code   string     `json:"code"`
	Detail string     `json:"detail,omitempty"`
	Errors []hub.Item `json:"errors,omitempty"`
}

// statusOf is the one status of each code.
var statusOf = map[string]int{
	hub.CodeInvalidJSON:      http.StatusBadRequest,
	hub.CodeBadRequest:       http.StatusBadRequest,
	hub.CodeInvalidSignature: http.StatusBadRequest,
	hub.CodeUnauthorized:     http.StatusUnauthorized,
	hub.CodeForbidden:        http.StatusForbidden,
	hub.CodeSignerMismatch:   http.StatusForbidden,
	hub.CodeNotFound:         http.StatusNotFound,
	hub.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	hub.CodeConflict:         http.StatusConflict,
	hub.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	hub.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	hub.CodeInvalidObject:    http.StatusUnprocessableEntity,
	hub.CodeInvalidPattern:   http.StatusUnprocessableEntity,
	hub.CodeInternal:         http.StatusInternalServerError,
	hub.CodeUnavailable:      http.StatusServiceUnavailable,
}

// Status returns the HTTP status of code (500 for a code it does not know).
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeFor returns the code a status is reported with when only the status
// is known (an HTTP library refused the request): the code whose status it
// is, bad_request for other 4xx and internal for anything else.
func CodeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return hub.CodeBadRequest
	case http.StatusUnprocessableEntity:
		return hub.CodeInvalidObject
	case http.StatusForbidden:
		return hub.CodeForbidden
	}
	for code, s := range statusOf {
		if s == status && code != hub.CodeInvalidJSON && code != hub.CodeInvalidSignature && code != hub.CodeSignerMismatch && code != hub.CodeInvalidPattern {
			return code
		}
	}
	if status >= 400 && status < 500 {
		return hub.CodeBadRequest
	}
	return hub.CodeInternal
}

// From maps any error to the problem a client sees.
func From(err error) *Doc {
	var he *hub.Error
	switch {
	case errors.As(err, &he):
		d := New(he.Code, he.Detail)
		d.Errors = he.Items
		return d
	case errors.Is(err, hub.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return New(hub.CodeUnavailable, "the database is unavailable; retry later")
	case errors.Is(err, auth.ErrUnauthorized):
		return New(hub.CodeUnauthorized, "a valid bearer token is required")
	case errors.Is(err, auth.ErrForbidden):
		return New(hub.CodeForbidden, "")
	case errors.Is(err, hub.ErrNotFound):
		return New(hub.CodeNotFound, "")
	case errors.Is(err, hub.ErrConflict):
		return New(hub.CodeConflict, "")
	case isMaxBytes(err):
		return New(hub.CodeTooLarge, "request body too large")
	default:
		return New(hub.CodeInternal, "")
	}
}

// New builds the problem of code with its status and standard title.
func New(code, detail string) *Doc {
	status := Status(code)
	return &Doc{Type: TypeBase + code, Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// IsMaxBytes reports whether err is a body that exceeded its
// http.MaxBytesReader limit.
func IsMaxBytes(err error) bool { return isMaxBytes(err) }

// Write answers err as a problem and logs it once when it is internal or
// an outage. Client errors are not logged beyond the access log line, nor
// is a request whose client went away (its context was cancelled): nobody
// reads that answer and nothing failed on our side. Its signature is an
// auth.ErrorWriter.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		WriteDoc(w, New(hub.CodeUnavailable, "request cancelled"))
		return
	}
	d := From(err)
	if d.Status >= 500 {
		hlog.FromRequest(r).Error().Err(err).Int("status", d.Status).Str("code", d.Code).Msg("request failed")
	}
	WriteDoc(w, d)
}

// WriteDoc writes d with the headers every problem carries.
func WriteDoc(w http.ResponseWriter, d *Doc) {
	h := w.Header()
	if d.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="jag"`)
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if d.Status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", strconv.Itoa(RetryAfter))
	}
	w.WriteHeader(d.Status)
	_ = json.NewEncoder(w).Encode(d)
}
