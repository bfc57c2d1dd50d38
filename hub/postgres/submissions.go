package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
)

var _ hub.SubmissionStore = (*DB)(nil)

// submissionRow is a submissions row.
type submissionRow struct {
	ID         string    `db:"id"`
	Org        string    `db:"org"`
	Received   time.Time `db:"received"`
	BundleID   string    `db:"bundle_id"`
	Digest     []byte    `db:"digest"`
	Accepted   int       `db:"accepted"`
	Duplicates int       `db:"duplicates"`
	Receipt    string    `db:"receipt"`
}

func (r *submissionRow) submission() hub.Submission {
	s := hub.Submission{
		ID: r.ID, Org: r.Org, Received: r.Received.UTC(), BundleID: r.BundleID,
		Accepted: r.Accepted, Duplicates: r.Duplicates, Receipt: r.Receipt,
	}
	copy(s.Digest[:], r.Digest)
	return s
}

const submissionColumns = `id, org, received, bundle_id, digest, accepted, duplicates, receipt`

// Submission implements hub.SubmissionStore: the submission id of org. A
// submission of another org is not found, exactly like a missing one.
func (db *DB) Submission(ctx context.Context, org, id string) (hub.Submission, error) {
	var r submissionRow
	err := db.db.GetContext(ctx, &r, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1 AND org = $2`, id, org)
	if err != nil {
		return hub.Submission{}, fmt.Errorf("get submission: %w", mapError(err))
	}
	sub := r.submission()
	if sub.Log, err = submissionLog(ctx, db.db, sub.ID); err != nil {
		return hub.Submission{}, fmt.Errorf("get submission: %w", mapError(err))
	}
	return sub, nil
}

// submissionByDigest returns the earliest submission of org with digest
// (sql.ErrNoRows when there is none).
func submissionByDigest(ctx context.Context, q sqlx.QueryerContext, org string, digest [32]byte) (hub.Submission, error) {
	var r submissionRow
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT `+submissionColumns+` FROM submissions
		WHERE org = $1 AND digest = $2
		ORDER BY received, id LIMIT 1`, org, digest[:])
	if err != nil {
		return hub.Submission{}, fmt.Errorf("find submission by digest: %w", err)
	}
	return r.submission(), nil
}

// KnownMarkings implements hub.SubmissionStore: which of ids are stored
// marking definitions that v may see. A definition v may not see counts as
// unknown, exactly as if it did not exist (one visibility rule for every
// read path).
func (db *DB) KnownMarkings(ctx context.Context, v hub.Viewer, ids []string) ([]string, error) {
	var known []string
	err := db.db.SelectContext(ctx, &known, `
		SELECT DISTINCT id FROM objects
		WHERE type = 'marking-definition' AND id = ANY($1::text[])
		  AND jag_visible(tlp, recipients, created_by, $2, $3)`, pq.Array(ids), v.Org, v.Tier)
	if err != nil {
		return nil, fmt.Errorf("known markings: %w", mapError(err))
	}
	return known, nil
}

// RegisteredParticipants implements hub.SubmissionStore: which of ids are
// registered participants.
func (db *DB) RegisteredParticipants(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	err := db.db.SelectContext(ctx, &out, `SELECT id FROM participants WHERE id = ANY($1::text[])`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("registered participants: %w", mapError(err))
	}
	return out, nil
}

// VisibleVersions implements hub.ReceiptVersions: how many of the
// versions objs of org's lineages v may see (each listed once counts
// once; a missing version counts as unseen).
func (db *DB) VisibleVersions(ctx context.Context, v hub.Viewer, org string, objs []hub.ReceiptObject) (int, error) {
	ids, mods := make([]string, len(objs)), make([]string, len(objs))
	for i, o := range objs {
		ids[i], mods[i] = o.ID, o.Modified
	}
	var n int
	err := db.db.GetContext(ctx, &n, `
		SELECT count(*) FROM (SELECT DISTINCT id, modified FROM unnest($1::text[], $2::text[]) AS t(id, modified)) t
		JOIN objects o ON o.id = t.id AND o.modified = t.modified AND o.created_by = $3
		WHERE jag_visible(o.tlp, o.recipients, o.created_by, $4, $5)`,
		pq.Array(ids), pq.Array(mods), org, v.Org, v.Tier)
	if err != nil {
		return 0, fmt.Errorf("visible versions: %w", mapError(err))
	}
	return n, nil
}
