package feeds

import "errors"

var (
	// ErrBadCursor: a cursor was not made by this hub.
	ErrBadCursor = errors.New("malformed cursor")
	// ErrBadFilter: a subscription filter is malformed.
	ErrBadFilter = errors.New("invalid filter")
)

// errBadObject: stored object bytes are not JSON (never expected: ingest
// stores only decoded objects).
var errBadObject = errors.New("stored object is not valid JSON")
