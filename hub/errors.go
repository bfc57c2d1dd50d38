package hub

import "errors"

// Sentinel errors shared by the service and its storage adapter. Storage
// wraps them (with %w) so the service maps them to HTTP without knowing
// the database.
var (
	// ErrUnavailable: the database cannot answer now; retry later (503).
	ErrUnavailable = errors.New("service unavailable")
	// ErrNotFound: no such thing, or the caller may not see it (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request contradicts stored state (409).
	ErrConflict = errors.New("conflict")
)
