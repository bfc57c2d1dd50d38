package feeds

import "errors"

var (
	// ErrBadCursor: a cursor was not made by this hub.
	ErrBadCursor = errors.New("malformed cursor")
	// ErrCursorExpired: the events after a cursor were purged (older than
	// the retention); the client must resync through the history API.
	ErrCursorExpired = errors.New("cursor older than retention")
	// ErrBadFilter: a subscription filter is malformed.
	ErrBadFilter = errors.New("invalid filter")
	// ErrClosed: the feed is draining or closed.
	ErrClosed = errors.New("feed closed")
)

// errBadObject: stored object bytes are not JSON (never expected: ingest
// stores only decoded objects).
var errBadObject = errors.New("stored object is not valid JSON")
