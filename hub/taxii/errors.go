package taxii

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// Error is a TAXII 2.1 error message (section 3.6.1) and an error: the
// handlers return it and writeError renders it with its status.
type Error struct {
	Status      int    `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorCode   string `json:"error_code,omitempty"`
	HTTPStatus  string `json:"http_status"`
	// allow lists the methods of a 405 answer.
	allow string
}

func (e *Error) Error() string { return e.HTTPStatus + " " + e.Title + ": " + e.Description }

// newError builds an error message with the standard title of status.
// code is the hub's stable problem code (the same as the REST API's).
func newError(status int, code, description string) *Error {
	return &Error{Status: status, Title: http.StatusText(status), Description: description,
		ErrorCode: code, HTTPStatus: strconv.Itoa(status)}
}

// errorFor maps any error to the error message a client sees; internal
// errors become a bare 500 that says nothing about the cause.
func errorFor(err error) *Error {
	var e *Error
	var he *hub.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &he):
		return newError(problem.Status(he.Code), he.Code, he.Detail)
	case errors.Is(err, auth.ErrUnauthorized):
		return newError(http.StatusUnauthorized, hub.CodeUnauthorized, "a valid JAG access token is required (HTTP Basic with the token as password, Bearer or Token)")
	case errors.Is(err, auth.ErrForbidden):
		return newError(http.StatusForbidden, hub.CodeForbidden, "the token may not do this")
	case errors.Is(err, hub.ErrNotFound):
		return newError(http.StatusNotFound, hub.CodeNotFound, "no such resource")
	case errors.Is(err, hub.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return newError(http.StatusServiceUnavailable, hub.CodeUnavailable, "the hub cannot answer now; retry later")
	}
	return newError(http.StatusInternalServerError, hub.CodeInternal, "internal error")
}

// writeError renders err as a TAXII error message. Internal errors are
// logged once, here; client errors are not.
func writeError(w http.ResponseWriter, r *http.Request, log *zerolog.Logger, err error) {
	e := errorFor(err)
	h := w.Header()
	switch e.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="jag", charset="UTF-8"`)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", e.allow)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "2")
	case http.StatusInternalServerError:
		if r.Context().Err() == nil {
			log.Error().Err(err).Str("method", r.Method).Str("path", auth.RedactPath(r.URL.Path)).Msg("taxii request failed")
		}
	}
	writeJSON(w, e.Status, e)
}

// methodNotAllowed is the 405 answer listing the allowed methods.
func methodNotAllowed(allow string) *Error {
	e := newError(http.StatusMethodNotAllowed, "method_not_allowed", "allowed: "+allow+" (the history is immutable: DELETE is not offered)")
	e.allow = allow
	return e
}

func badRequest(description string) *Error {
	return newError(http.StatusBadRequest, hub.CodeBadRequest, description)
}
