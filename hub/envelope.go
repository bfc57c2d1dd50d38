package hub

import (
	"context"
	"time"
)

// VersionMatch selects versions of each object (TAXII match[version]);
// the options combine with OR. The zero value means Last, the default.
type VersionMatch struct {
	First, Last, All bool
	// At selects the versions whose modified time is one of these
	// (compared at the database's microsecond precision).
	At []time.Time
}

// IsZero reports whether m selects nothing explicitly (meaning Last).
func (m VersionMatch) IsZero() bool { return !m.First && !m.Last && !m.All && len(m.At) == 0 }

// CollectionQuery selects the entries of a collection for one viewer, in
// date_added order. Zero fields do not filter; different fields combine
// with AND, the values of one field with OR.
type CollectionQuery struct {
	IDs      []string
	Types    []string
	Versions VersionMatch
	// After: date_added strictly after (zero for none). A next cursor
	// and added_after both end up here, as the later of the two.
	After time.Time
	// Limit bounds the entries returned.
	Limit int
	// WithoutRaw leaves ObjectVersion.Raw empty (manifests, versions).
	WithoutRaw bool
	// MaxBytes, when positive, bounds the Raw bytes one read loads: the
	// reader returns the entries whose Raw bytes add up to at most
	// MaxBytes (at least one entry) and the entry after them, so the
	// caller learns that more follow. The caller trims its page to the
	// budget.
	MaxBytes int64
}

// CollectionEntry is one object version of a collection as one viewer
// sees it. DateAdded is unique across the hub and increases strictly in
// commit order: the order of the event feed (see hub/postgres events.go).
type CollectionEntry struct {
	ObjectVersion
	DateAdded time.Time
}

// CollectionReader reads collection contents. The first visible version
// and the last visible version are taken among the versions of the object
// that are in the collection and visible to v: a version v may not see
// never makes another one "not the last". *postgres.DB implements it.
type CollectionReader interface {
	CollectionEntries(ctx context.Context, v Viewer, f *CollectionFilter, q *CollectionQuery) ([]CollectionEntry, error)
}

// ObjectOutcome is what became of one object of a partial submission
// (POST of a TAXII envelope). Exactly one of Stored and Code is set.
type ObjectOutcome struct {
	ID      string // "" when the object has no readable id
	Version string // its modified (or created) string, when readable
	// Stored is true for a version now stored, by this request or before
	// it with identical content (an exact duplicate is a success).
	Stored bool
	// Code is the stable problem code the REST API would have answered
	// for this object (invalid_signature, invalid_object, conflict, …),
	// Message the human-readable finding.
	Code    string
	Message string
}

// PartialResult is the outcome of a partial submission: the objects that
// pass are stored in one transaction (Submission is nil when none was
// new), the others reported, one outcome per submitted object in order.
type PartialResult struct {
	Submission *Submission
	Outcomes   []ObjectOutcome
}

// StatusDetail is one object of a TAXII status resource.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// EnvelopeStatus is the lasting record of one TAXII POST of objects,
// readable by the posting org from any replica until Expires.
type EnvelopeStatus struct {
	ID         string // UUID
	Org        string
	Collection string
	Requested  time.Time
	Expires    time.Time
	Successes  []StatusDetail
	Failures   []StatusDetail
	Pendings   []StatusDetail
}

// StatusStore keeps TAXII status resources. *postgres.DB implements it.
type StatusStore interface {
	// SaveStatus records s.
	SaveStatus(ctx context.Context, s *EnvelopeStatus) error
	// EnvelopeStatus returns the status id of org that has not expired,
	// or an error wrapping ErrNotFound (also for another org's).
	EnvelopeStatus(ctx context.Context, org, id string) (EnvelopeStatus, error)
	// PurgeStatuses deletes the statuses that expired before t.
	PurgeStatuses(ctx context.Context, t time.Time) (int64, error)
}
