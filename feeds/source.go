package feeds

import (
	"context"
	"time"
)

// Page is one read of the event log.
type Page struct {
	// Events are the events after the requested position, in seq order.
	Events []*Event
	// PurgedThrough is the highest seq removed by retention, read in the
	// same snapshot as Events: a position below it has lost events.
	PurgedThrough int64
}

// Stats describe how far the log is ahead of the readers.
type Stats struct {
	// MaxSeq is the highest committed seq (0 for an empty log).
	MaxSeq int64
	// OldestWriteXact is the age of the oldest open transaction that has
	// written something (0 when none): while it holds the append lock the
	// feed stalls, it never skips.
	OldestWriteXact time.Duration
}

// Source is the event log (hub/postgres implements it). Every method is
// one statement, hence one snapshot.
type Source interface {
	// EventsAfter returns up to limit events with seq > after, in seq
	// order, joined with their object versions.
	EventsAfter(ctx context.Context, after int64, limit int) (Page, error)
	// EventHead returns the highest committed seq (0 for an empty log)
	// and PurgedThrough.
	EventHead(ctx context.Context) (head, purgedThrough int64, err error)
	// EventStats returns the lag inputs.
	EventStats(ctx context.Context) (Stats, error)
	// PurgeEvents deletes the longest prefix of the log whose events were
	// received before cutoff and returns how many it deleted.
	PurgeEvents(ctx context.Context, cutoff time.Time) (int64, error)
}

// Wakeup delivers a hint that new events may have been committed (the
// database's LISTEN/NOTIFY). It is never trusted for delivery: the tailer
// polls anyway.
type Wakeup interface {
	Wakeups() <-chan struct{}
}

// Revocations tells whether an access token id was revoked; the hub's
// database implements it for every replica.
type Revocations interface {
	TokenRevoked(ctx context.Context, jti string) (bool, error)
}

// RevocationFeed is the optional bulk side of Revocations: when the
// revocation store also implements it, one poll per replica every
// PollInterval closes the sessions of revoked tokens, instead of waiting
// for each session's heartbeat to ask about its own token.
type RevocationFeed interface {
	// TokensRevokedSince returns the ids of the tokens revoked after
	// since and the position to pass as since on the next call. A jti
	// may be returned by several consecutive calls.
	TokensRevokedSince(ctx context.Context, since time.Time) (jtis []string, through time.Time, err error)
}
