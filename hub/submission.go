package hub

import (
	"context"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// Submission is one accepted POST /v1/bundles as it is recorded.
type Submission struct {
	ID         string // "submission--<uuid>"
	Org        string // the submitting participant
	Received   time.Time
	BundleID   string
	Digest     [32]byte // see submissionDigest
	Accepted   int      // versions stored by this submission
	Duplicates int      // versions that were already stored
	Receipt    string   // hub-signed compact JWS
	// Log is the transparency-log position of every version this
	// submission stored, in log order (empty when the log was off).
	Log []LogPosition
}

// StoredObject is one object version ready to be written: the exact bytes
// received and everything the read paths filter on.
type StoredObject struct {
	ID         string
	Modified   string // original string; the created string for unversioned objects (see objectVersion)
	ModifiedAt time.Time
	Type       string
	CreatedAt  time.Time
	CreatedBy  string
	TLP        stix.TLP
	Recipients []string // nil when the object names none
	Revoked    bool
	ValidFrom  *time.Time
	ValidUntil *time.Time
	Confidence *int
	Labels     []string
	Name       string
	Desc       string
	Raw        []byte   // exactly as received
	SHA256     [32]byte // of the JCS form of the whole object
	Signature  string
	KID        string
	// Observables are the typed index rows of this version.
	Observables []Observable
}

// Observable is one typed index row of an object version. For kinds ipv4
// and ipv6 Value is an address or a CIDR and is also stored as inet.
type Observable struct {
	Kind  string
	Value string
	Path  string
	Op    string
}

// NewSubmission is what ingest asks the store to write in one transaction.
// Objects are distinct versions in bundle order.
type NewSubmission struct {
	Submission
	Objects []StoredObject
}

// StoreResult is the outcome of a stored (or replayed) submission.
type StoreResult struct {
	// Submission is the record whose receipt answers the request: the new
	// one, or on an idempotent retry the original.
	Submission Submission
	// Replayed is true when an earlier submission with the same org and
	// digest already exists and nothing was written.
	Replayed bool
}

// SubmissionStore is the storage ingest writes to and reads receipts from.
// *postgres.DB implements it.
type SubmissionStore interface {
	// StoreSubmission writes s in one transaction: if a submission of
	// s.Org with s.Digest exists it returns that one (Replayed) and writes
	// nothing; otherwise it records s, inserts its versions (identical
	// versions already stored count as duplicates; different content is a
	// *VersionError wrapping ErrConflict and nothing is written; versions
	// are compared with s.Org's own lineages only, migration 0080),
	// their observables, and last their events under the feed lock. It
	// sends the feed wake-up after COMMIT.
	StoreSubmission(ctx context.Context, s *NewSubmission) (StoreResult, error)
	// Submission returns the submission id of org, or an error wrapping
	// ErrNotFound (also when it belongs to another org).
	Submission(ctx context.Context, org, id string) (Submission, error)
	// KnownMarkings returns which of ids are stored marking definitions
	// that v may see.
	KnownMarkings(ctx context.Context, v Viewer, ids []string) ([]string, error)
	// RegisteredParticipants returns which of ids are registered
	// participants (reserved.go).
	RegisteredParticipants(ctx context.Context, ids []string) ([]string, error)
	// ReceiptVersions decides who may read a receipt (receipt_access.go).
	ReceiptVersions
}

// IngestStore is what ingest needs from storage: the participant key
// registry and the submission store. *postgres.DB implements it.
type IngestStore interface {
	SubmissionStore
	auth.KeySource
}
