package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
)

// The write path of ingest. StoreSubmission is one transaction:
//
//  1. pg_advisory_xact_lock(submission key): identical submissions of one
//     org (same digest) run one after the other on every replica, so 100
//     concurrent retries produce one submission and one receipt;
//  2. an earlier submission with the same org and digest answers the
//     request (its receipt is returned; nothing is written);
//  3. object_creators (the org's lineages, race-free by primary key:
//     INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING); then, for
//     ids the org used before, one query for its versions already stored
//     (identical content is a duplicate, different content 409); another
//     org's versions of the same ids never take part; then the submission
//     row with its counts and, in the same statement, the
//     transparency-log bundle of the new versions (translog.go), and
//     COPY of the new versions and of their observables;
//  4. last, under feedAppendLock, COPY of the events, then the log
//     batch's place (one row, inserted by the statement that reads the
//     events' last seq);
//  5. COMMIT, then NOTIFY jag_events outside the transaction.
//
// COPY has no ON CONFLICT. Identical submissions cannot race (step 1), and
// bundles sharing a new object id queue on its object_creators row, but
// two different bundles carrying the same new version of an existing
// object can race: the second COPY waits for the first transaction and
// fails with a unique violation, and StoreSubmission runs the transaction
// again, which now finds the version stored. Every table is written with
// one statement whatever the bundle size; nothing is written row by row.

// submissionLockSpace tags the advisory-lock keys of submissions so they
// cannot collide with the other advisory locks of the schema.
const submissionLockSpace = 0x6a6167737562 // "jagsub"

// submissionLockKey derives the advisory-lock key of (org, digest). A
// collision only serialises two unrelated submissions.
func submissionLockKey(org string, digest [32]byte) int64 {
	h := sha256.New()
	h.Write([]byte(org))
	h.Write(digest[:])
	var sum [32]byte
	h.Sum(sum[:0])
	return int64(binary.BigEndian.Uint64(sum[:8])&0x0000ffffffffffff) ^ submissionLockSpace<<16
}

// storeAttempts bounds the runs of the ingest transaction when COPY meets
// a version committed concurrently by another submission.
const storeAttempts = 3

// StoreSubmission implements hub.SubmissionStore.
func (db *DB) StoreSubmission(ctx context.Context, s *hub.NewSubmission) (hub.StoreResult, error) {
	var res hub.StoreResult
	var lastSeq int64
	var err error
	var leaves *batchLeaves
	if !db.noLog {
		leaves = &batchLeaves{}
	}
	for range storeAttempts {
		err = db.inTx(ctx, func(tx *sqlx.Tx) error {
			var err error
			res, lastSeq, err = storeSubmission(ctx, tx, s, leaves)
			return err
		})
		if !isUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return hub.StoreResult{}, fmt.Errorf("store submission: %w", err)
	}
	if leaves != nil && leaves.hashes != nil {
		db.leaves.put(leaves.first, leaves.hashes) // committed: the sequencer may use them
	}
	if lastSeq > 0 {
		// A wake-up only: a tailer that misses it still polls.
		_, _ = db.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, eventsChannel, strconv.FormatInt(lastSeq, 10))
	}
	return res, nil
}

// isUniqueViolation reports a unique_violation (SQLSTATE 23505).
func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}

// inTx runs fn in a transaction and commits it, mapping errors.
func (db *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.db.BeginTxx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return mapError(err)
	}
	return mapError(tx.Commit())
}

// storeSubmission runs the ingest transaction. leaves is nil when the log
// is off; otherwise it receives the leaf hashes and first index of the
// batch the transaction logged (none: nil hashes).
func storeSubmission(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission, leaves *batchLeaves) (hub.StoreResult, int64, error) {
	logged := leaves != nil
	if logged {
		*leaves = batchLeaves{} // a retried attempt starts afresh
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, submissionLockKey(s.Org, s.Digest)); err != nil {
		return hub.StoreResult{}, 0, fmt.Errorf("lock submission: %w", err)
	}
	prev, err := submissionByDigest(ctx, tx, s.Org, s.Digest)
	switch {
	case err == nil:
		if prev.Log, err = submissionLog(ctx, tx, prev.ID); err != nil {
			return hub.StoreResult{}, 0, err
		}
		return hub.StoreResult{Submission: prev, Replayed: true}, 0, nil
	case !errors.Is(err, sql.ErrNoRows):
		return hub.StoreResult{}, 0, err
	}
	created, err := claimObjects(ctx, tx, s)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	fresh, err := newVersions(ctx, tx, s.Org, s.Objects, created)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	// The log entries are encoded, and their leaf hashes computed, before
	// the feed lock is taken; their bundle is inserted with the
	// submission row, and placing them in the log under the lock is one
	// small row, inserted by the statement that reads the events' last
	// seq.
	var place *logPlacement
	var bundle *bundleText
	if logged {
		b, logEntries, err := objectLogBatch(s, fresh)
		if err != nil {
			return hub.StoreResult{}, 0, fmt.Errorf("append log entries: %w", err)
		}
		if len(logEntries) > 0 {
			bt := bundleTextOf(b)
			bundle = &bt
			place = &logPlacement{batch: s.ID, count: len(logEntries)}
			leaves.hashes = recordHashes(logEntries)
		}
	}
	// With no fresh version (all stored by other submissions) this is a
	// no-op submission, recorded so that its receipt answers its retries.
	sub := s.Submission
	sub.Accepted, sub.Duplicates = len(fresh), len(s.Objects)-len(fresh)
	if err := insertSubmission(ctx, tx, &sub, bundle); err != nil {
		return hub.StoreResult{}, 0, err
	}
	if err := copyObjects(ctx, tx, s, fresh, logged); err != nil {
		return hub.StoreResult{}, 0, err
	}
	if err := copyObservables(ctx, tx, s.Objects, fresh); err != nil {
		return hub.StoreResult{}, 0, err
	}
	lastSeq, err := appendEvents(ctx, tx, s, fresh, created, place)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	if place != nil {
		// The entries follow the events' order (both placed under
		// feedAppendLock), and index k of the bundle's fresh versions is
		// entry first + k (objects.log_ordinal).
		leaves.first = place.first
		sub.Log = make([]hub.LogPosition, 0, place.count)
		for i := range s.Objects {
			if o := &s.Objects[i]; fresh[versionKey{o.ID, o.Modified}] {
				sub.Log = append(sub.Log, hub.LogPosition{ID: o.ID, Modified: o.Modified, Index: place.first + int64(len(sub.Log))})
			}
		}
	}
	return hub.StoreResult{Submission: sub}, lastSeq, nil
}

// insertSubmission inserts the submission row and, when bundle is not nil
// (its log batch's), the batch's bundle, in one statement: the log costs
// ingest no round trip of its own before the feed lock.
func insertSubmission(ctx context.Context, tx *sqlx.Tx, sub *hub.Submission, bundle *bundleText) error {
	q := `
		INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	args := []any{sub.ID, sub.Org, sub.Received, sub.BundleID, sub.Digest[:], sub.Accepted, sub.Duplicates, sub.Receipt}
	if bundle != nil {
		q = `
		WITH bundle AS (INSERT INTO log_bundles (batch, entries) VALUES ($1, ` + bundle.expr(9) + `))` + q
		args = append(args, bundle.text)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("insert submission: %w", err)
	}
	return nil
}

// claimObjects records the lineage (id, s.Org) of every object id s.Org
// has not used before and returns those ids. Another org's use of the
// same id is another lineage and plays no part (migration 0080): what
// ingest answers never depends on objects the submitter cannot see. A
// concurrent first version of the same lineage waits on the primary key
// and then finds it claimed.
func claimObjects(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission) (map[string]bool, error) {
	ids := make([]string, 0, len(s.Objects))
	seen := make(map[string]bool, len(s.Objects))
	for i := range s.Objects {
		if id := s.Objects[i].ID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	rows, err := tx.QueryContext(ctx, `
		INSERT INTO object_creators (id, created_by)
		SELECT id, $2 FROM unnest($1::text[]) AS t(id)
		ON CONFLICT (id, created_by) DO NOTHING
		RETURNING id`, pq.Array(ids), s.Org)
	if err != nil {
		return nil, fmt.Errorf("claim objects: %w", err)
	}
	defer rows.Close()
	created := make(map[string]bool, len(ids))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("claim objects: %w", err)
		}
		created[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim objects: %w", err)
	}
	return created, nil
}

// versionKey identifies an object version.
type versionKey struct{ id, modified string }

// newVersions returns the versions of objs (all of org) not stored yet in
// org's lineages. A version stored with the same JCS digest is an
// idempotent duplicate; with another one it is a *hub.VersionError
// wrapping hub.ErrConflict. Objects created
// by this transaction (created) have no stored version and are not looked
// up: a bundle of new objects costs no query here.
func newVersions(ctx context.Context, tx *sqlx.Tx, org string, objs []hub.StoredObject, created map[string]bool) (map[versionKey]bool, error) {
	var ids, mods []string
	want := make(map[versionKey][32]byte, len(objs))
	for i := range objs {
		k := versionKey{objs[i].ID, objs[i].Modified}
		want[k] = objs[i].SHA256
		if !created[k.id] {
			ids, mods = append(ids, k.id), append(mods, k.modified)
		}
	}
	if len(ids) == 0 {
		return freshOf(want), nil
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT o.id, o.modified, o.sha256
		FROM objects o JOIN unnest($1::text[], $2::text[]) AS t(id, modified) USING (id, modified)
		WHERE o.created_by = $3`,
		pq.Array(ids), pq.Array(mods), org)
	if err != nil {
		return nil, fmt.Errorf("find stored versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k versionKey
		var sum []byte
		if err := rows.Scan(&k.id, &k.modified, &sum); err != nil {
			return nil, fmt.Errorf("find stored versions: %w", err)
		}
		if w := want[k]; string(sum) != string(w[:]) {
			return nil, &hub.VersionError{Err: hub.ErrConflict, ID: k.id, Modified: k.modified}
		}
		delete(want, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find stored versions: %w", err)
	}
	return freshOf(want), nil
}

func freshOf(want map[versionKey][32]byte) map[versionKey]bool {
	fresh := make(map[versionKey]bool, len(want))
	for k := range want {
		fresh[k] = true
	}
	return fresh
}

// copyFrom streams n rows with the COPY … FROM STDIN statement copyStmt
// (ncols columns) inside tx. row fills the values of row i into dst (one
// per column); dst is reused for every row, which is safe because each row
// is encoded before the next is asked for.
func copyFrom(ctx context.Context, tx *sqlx.Tx, copyStmt string, ncols, n int, row func(i int, dst []any)) error {
	table := strings.Fields(copyStmt)[1]
	stmt, err := tx.PrepareContext(ctx, copyStmt)
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	defer stmt.Close()
	args := make([]any, ncols)
	for i := range n {
		row(i, args)
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}

// copyObjects writes the new versions of s, with their log ordinal (their
// position among them, in bundle order) when logged.
func copyObjects(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission, fresh map[versionKey]bool, logged bool) error {
	objs := make([]*hub.StoredObject, 0, len(fresh))
	for i := range s.Objects {
		if fresh[versionKey{s.Objects[i].ID, s.Objects[i].Modified}] {
			objs = append(objs, &s.Objects[i])
		}
	}
	if len(objs) == 0 {
		return nil
	}
	const copyStmt = `COPY objects (id, modified, modified_at, type, created_at, created_by, tlp, recipients,
		revoked, valid_from, valid_until, confidence, labels, name, description,
		raw, sha256, signature, kid, submission, received, log_ordinal) FROM STDIN`
	submission, received := any(s.ID), any(s.Received) // boxed once for all rows
	return copyFrom(ctx, tx, copyStmt, 22, len(objs), func(i int, dst []any) {
		o := objs[i]
		var recipients, confidence any
		if o.Recipients != nil {
			recipients = pq.StringArray(o.Recipients)
		}
		if o.Confidence != nil {
			confidence = int64(*o.Confidence)
		}
		labels := pq.StringArray(o.Labels)
		if labels == nil {
			labels = pq.StringArray{}
		}
		copy(dst, []any{o.ID, o.Modified, o.ModifiedAt, o.Type, o.CreatedAt, o.CreatedBy, string(o.TLP), recipients,
			o.Revoked, optionalTime(o.ValidFrom), optionalTime(o.ValidUntil), confidence, labels, optionalString(o.Name), optionalString(o.Desc),
			o.Raw, o.SHA256[:], o.Signature, o.KID, submission, received, nil})
		if logged {
			dst[len(dst)-1] = int64(i)
		}
	})
}

// copyObservables writes the index rows of the new versions; addresses
// and CIDRs also go into the inet column.
func copyObservables(ctx context.Context, tx *sqlx.Tx, objs []hub.StoredObject, fresh map[versionKey]bool) error {
	type row struct {
		o  *hub.StoredObject
		ob *hub.Observable
	}
	var rows []row
	for i := range objs {
		o := &objs[i]
		if !fresh[versionKey{o.ID, o.Modified}] {
			continue
		}
		for j := range o.Observables {
			rows = append(rows, row{o, &o.Observables[j]})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	const copyStmt = `COPY observables (object_id, modified, created_by, kind, value, net, path, op) FROM STDIN`
	return copyFrom(ctx, tx, copyStmt, 8, len(rows), func(i int, dst []any) {
		r := rows[i]
		var net any
		if r.ob.Kind == "ipv4" || r.ob.Kind == "ipv6" {
			net = r.ob.Value
		}
		copy(dst, []any{r.o.ID, r.o.Modified, r.o.CreatedBy, r.ob.Kind, r.ob.Value, net, r.ob.Path, r.ob.Op})
	})
}

func optionalTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func optionalString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Event kinds (API.md section 4).
const (
	eventCreated = "object.created"
	eventUpdated = "object.updated"
	eventRevoked = "object.revoked"
)

// appendEvents appends one event per inserted version, in bundle order,
// under feedAppendLock, and returns the last seq (0 when none). It must be
// the last work of the transaction: the lock is held until COMMIT. A
// version is object.revoked when it says revoked, object.created when it
// is the first stored version of a new id, object.updated otherwise. With
// place (the transparency-log batch of the inserted versions, written
// already), it also gives the batch its place in the log (place.first).
func appendEvents(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission, inserted map[versionKey]bool, created map[string]bool, place *logPlacement) (int64, error) {
	first := make(map[string]int, len(created)) // new id → index of its earliest version in the bundle
	for i := range s.Objects {
		o := &s.Objects[i]
		if !created[o.ID] {
			continue
		}
		if j, ok := first[o.ID]; !ok || o.ModifiedAt.Before(s.Objects[j].ModifiedAt) {
			first[o.ID] = i
		}
	}
	var ids, mods, kinds []string
	for i := range s.Objects {
		o := &s.Objects[i]
		if !inserted[versionKey{o.ID, o.Modified}] {
			continue
		}
		kind := eventUpdated
		switch {
		case o.Revoked:
			kind = eventRevoked
		case created[o.ID] && first[o.ID] == i:
			kind = eventCreated
		}
		ids, mods, kinds = append(ids, o.ID), append(mods, o.Modified), append(kinds, kind)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, feedAppendLock); err != nil {
		return 0, fmt.Errorf("lock feed: %w", err)
	}
	// TAXII date_added (0060): drawn in this serialised section, in event order.
	if err := stampDateAdded(ctx, tx, s.Org, ids, mods); err != nil {
		return 0, err
	}
	// COPY draws seq values in row order; currval is this session's last.
	const copyStmt = `COPY events (object_id, modified, kind, org, received) FROM STDIN`
	org, received := any(s.Org), any(s.Received) // boxed once for all rows
	if err := copyFrom(ctx, tx, copyStmt, 5, len(ids), func(i int, dst []any) {
		copy(dst, []any{ids[i], mods[i], kinds[i], org, received})
	}); err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	if place != nil {
		return placeBatch(ctx, tx, place)
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT currval(pg_get_serial_sequence('events', 'seq'))`).Scan(&last); err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	return last, nil
}
