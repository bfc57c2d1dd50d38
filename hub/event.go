package hub

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix/pattern"
)

// Event kinds (hub/rest/API.md section 4).
const (
	KindCreated = "object.created" // the first version of an object id
	KindUpdated = "object.updated" // a later version
	KindRevoked = "object.revoked" // a version with revoked = true
)

// Event is one row of the event log joined with the object version it
// announces: what the live feed (package feeds) delivers. Events are
// shared by every reader of a replica and must not be modified once handed
// out by an EventSource.
type Event struct {
	Seq        int64           // position in the one total order of the log
	Kind       string          // KindCreated, KindUpdated or KindRevoked
	ObjectID   string          // STIX id of the object
	Modified   string          // the version's modified, as written
	Org        string          // the submitting (creating) org
	Received   time.Time       // when the hub received the submission
	Object     json.RawMessage // the signed object, bytes exactly as stored
	Type       string          // STIX type
	CreatedBy  string          // created_by_ref
	TLP        string          // auth.TLPClear .. auth.TLPRed
	Recipients []string        // nil when the object names none
	Revoked    bool
	Confidence *int // nil when absent
	Labels     []string

	obsOnce sync.Once
	obs     []pattern.Observable
}

// Marking returns the visibility inputs of the event's object version.
func (e *Event) Marking() auth.Marking {
	return auth.Marking{TLP: e.TLP, Recipients: e.Recipients, CreatedBy: e.CreatedBy}
}

// Observables returns the values the object's indicator pattern
// references (none for other objects or other pattern languages). They
// are computed once, on first use, from the stored bytes with the same
// extraction the lookup index uses.
func (e *Event) Observables() []pattern.Observable {
	e.obsOnce.Do(func() {
		if e.Type != "indicator" {
			return
		}
		var ind struct {
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
		}
		if json.Unmarshal(e.Object, &ind) != nil || ind.PatternType != "stix" {
			return
		}
		p, err := pattern.Parse(ind.Pattern)
		if err != nil {
			return
		}
		e.obs = p.Observables()
	})
	return e.obs
}

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

// EventSource is the event log (hub/postgres implements it). Every method is
// one statement, hence one snapshot.
type EventSource interface {
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
