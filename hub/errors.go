package hub

import (
	"errors"
	"fmt"
)

// Sentinel errors shared by the services and their storage adapters.
// Storage wraps them (with %w) so every channel maps them to its protocol
// without knowing the database.
var (
	// ErrUnavailable: the database cannot answer now; retry later.
	ErrUnavailable = errors.New("service unavailable")
	// ErrNotFound: no such thing, or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request contradicts stored state.
	ErrConflict = errors.New("conflict")
)

// VersionError names the object version a store refusal is about. Err is
// ErrConflict (same id and modified, different content). There is no
// "created by another org" refusal: each org versions its own lineage of an
// id (migration 0080), so no answer depends on another org's objects.
type VersionError struct {
	Err      error
	ID       string
	Modified string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s (modified %s): %v", e.ID, e.Modified, e.Err)
}

// Unwrap returns the sentinel.
func (e *VersionError) Unwrap() error { return e.Err }

// Stable refusal codes (hub/rest/API.md section 3). Every channel reports
// them unchanged; each code has exactly one HTTP status (hub/problem).
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
	CodeMethodNotAllowed = "method_not_allowed"
	CodeInternal         = "internal"
)

// Item is one finding of a refusal: what is wrong with one object of a
// submission (or one input), located by a JSON pointer.
type Item struct {
	Object  string `json:"object,omitempty"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
}

// Error is a refusal by a service: a stable code, a human detail and the
// findings. Services return it for everything the caller can fix; other
// errors are the sentinels above or internal failures.
type Error struct {
	Code   string
	Detail string
	Items  []Item
}

// Errorf returns an *Error with code and a formatted detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Code
}
