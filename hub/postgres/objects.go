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
//  3. the submission row, then object_creators (ownership, race-free by
//     primary key), then the object versions (multi-row INSERT … SELECT
//     FROM unnest(…) ON CONFLICT DO NOTHING RETURNING), then a content
//     check of the versions that were already there (409 on a difference),
//     then the observables (one multi-row statement);
//  4. last, under feedAppendLock, the events (one multi-row statement);
//  5. COMMIT, then NOTIFY jag_events outside the transaction.
//
// Multi-row statements over arrays keep one round trip per table whatever
// the bundle size; nothing is written row by row.

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

// StoreSubmission implements hub.SubmissionStore.
func (db *DB) StoreSubmission(ctx context.Context, s *hub.NewSubmission) (hub.StoreResult, error) {
	var res hub.StoreResult
	var lastSeq int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, lastSeq, err = storeSubmission(ctx, tx, s)
		return err
	})
	if err != nil {
		return hub.StoreResult{}, fmt.Errorf("store submission: %w", err)
	}
	if lastSeq > 0 {
		// A wake-up only: a tailer that misses it still polls.
		_, _ = db.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, eventsChannel, strconv.FormatInt(lastSeq, 10))
	}
	return res, nil
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

func storeSubmission(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission) (hub.StoreResult, int64, error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, submissionLockKey(s.Org, s.Digest)); err != nil {
		return hub.StoreResult{}, 0, fmt.Errorf("lock submission: %w", err)
	}
	prev, err := submissionByDigest(ctx, tx, s.Org, s.Digest)
	switch {
	case err == nil:
		return hub.StoreResult{Submission: prev, Replayed: true}, 0, nil
	case !errors.Is(err, sql.ErrNoRows):
		return hub.StoreResult{}, 0, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
		VALUES ($1, $2, $3, $4, $5, 0, 0, $6)`,
		s.ID, s.Org, s.Received, s.BundleID, s.Digest[:], s.Receipt); err != nil {
		return hub.StoreResult{}, 0, fmt.Errorf("insert submission: %w", err)
	}
	created, err := claimObjects(ctx, tx, s)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	inserted, err := insertObjects(ctx, tx, s)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	if len(inserted) < len(s.Objects) {
		if err := checkDuplicates(ctx, tx, s.Objects, inserted); err != nil {
			return hub.StoreResult{}, 0, err
		}
	}
	if err := insertObservables(ctx, tx, s.Objects, inserted); err != nil {
		return hub.StoreResult{}, 0, err
	}
	sub := s.Submission
	sub.Accepted, sub.Duplicates = len(inserted), len(s.Objects)-len(inserted)
	if _, err := tx.ExecContext(ctx, `UPDATE submissions SET accepted = $2, duplicates = $3 WHERE id = $1`,
		sub.ID, sub.Accepted, sub.Duplicates); err != nil {
		return hub.StoreResult{}, 0, fmt.Errorf("count submission: %w", err)
	}
	// Every object was already stored by other submissions: this record is
	// a no-op submission whose receipt answers this and later retries.
	lastSeq, err := appendEvents(ctx, tx, s, inserted, created)
	if err != nil {
		return hub.StoreResult{}, 0, err
	}
	return hub.StoreResult{Submission: sub}, lastSeq, nil
}

// claimObjects records s.Org as the creator of every object id not seen
// before and returns those ids; an id created by another org is a
// *hub.VersionError wrapping hub.ErrNotCreator. A concurrent first
// version of the same id by another org waits on the primary key and then
// loses here.
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
		ON CONFLICT (id) DO NOTHING
		RETURNING id`, pq.Array(ids), s.Org)
	if err != nil {
		return nil, fmt.Errorf("claim objects: %w", err)
	}
	created := make(map[string]bool, len(ids))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim objects: %w", err)
		}
		created[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim objects: %w", err)
	}
	if len(created) == len(ids) {
		return created, nil
	}
	var other string
	err = tx.QueryRowContext(ctx, `
		SELECT id FROM object_creators
		WHERE id = ANY($1::text[]) AND created_by <> $2
		LIMIT 1`, pq.Array(ids), s.Org).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return created, nil
	case err != nil:
		return nil, fmt.Errorf("check object creators: %w", err)
	}
	for i := range s.Objects {
		if s.Objects[i].ID == other {
			return nil, &hub.VersionError{Err: hub.ErrNotCreator, ID: other, Modified: s.Objects[i].Modified}
		}
	}
	return nil, &hub.VersionError{Err: hub.ErrNotCreator, ID: other}
}

// versionKey identifies an object version.
type versionKey struct{ id, modified string }

// insertObjects inserts every version not stored yet and returns the keys
// of those it inserted.
func insertObjects(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission) (map[versionKey]bool, error) {
	var c versionColumns
	for i := range s.Objects {
		c.add(&s.Objects[i])
	}
	rows, err := tx.QueryContext(ctx, `
		INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, recipients,
		                     revoked, valid_from, valid_until, confidence, labels, name, description,
		                     raw, sha256, signature, kid, submission, received)
		SELECT id, modified, modified_at, type, created_at, created_by, tlp, recipients::text[],
		       revoked, valid_from, valid_until, confidence, labels::text[], name, description,
		       raw, sha256, signature, kid, $20, $21
		FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::text[],
		            $7::text[], $8::text[], $9::boolean[], $10::timestamptz[], $11::timestamptz[],
		            $12::smallint[], $13::text[], $14::text[], $15::text[], $16::bytea[], $17::bytea[],
		            $18::text[], $19::text[])
		     AS t(id, modified, modified_at, type, created_at, created_by, tlp, recipients, revoked,
		          valid_from, valid_until, confidence, labels, name, description, raw, sha256, signature, kid)
		ON CONFLICT (id, modified) DO NOTHING
		RETURNING id, modified`,
		pq.Array(c.ids), pq.Array(c.modified), pq.Array(c.modifiedAt), pq.Array(c.types), pq.Array(c.createdAt),
		pq.Array(c.createdBy), pq.Array(c.tlps), &pq.GenericArray{A: c.recipients}, pq.Array(c.revoked),
		&pq.GenericArray{A: c.validFrom}, &pq.GenericArray{A: c.validUntil}, &pq.GenericArray{A: c.confidence},
		pq.Array(c.labels), &pq.GenericArray{A: c.names}, &pq.GenericArray{A: c.descs},
		pq.ByteaArray(c.raws), pq.ByteaArray(c.digests), pq.Array(c.sigs), pq.Array(c.kids), s.ID, s.Received)
	if err != nil {
		return nil, fmt.Errorf("insert objects: %w", err)
	}
	defer rows.Close()
	inserted := make(map[versionKey]bool, len(s.Objects))
	for rows.Next() {
		var k versionKey
		if err := rows.Scan(&k.id, &k.modified); err != nil {
			return nil, fmt.Errorf("insert objects: %w", err)
		}
		inserted[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert objects: %w", err)
	}
	return inserted, nil
}

// checkDuplicates compares the versions that were already stored with the
// submitted ones: the same JCS digest is an idempotent duplicate, another
// one a *hub.VersionError wrapping hub.ErrConflict.
func checkDuplicates(ctx context.Context, tx *sqlx.Tx, objs []hub.StoredObject, inserted map[versionKey]bool) error {
	var ids, mods []string
	want := map[versionKey][32]byte{}
	for i := range objs {
		k := versionKey{objs[i].ID, objs[i].Modified}
		if !inserted[k] {
			ids, mods = append(ids, k.id), append(mods, k.modified)
			want[k] = objs[i].SHA256
		}
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT o.id, o.modified, o.sha256
		FROM objects o JOIN unnest($1::text[], $2::text[]) AS t(id, modified) USING (id, modified)`,
		pq.Array(ids), pq.Array(mods))
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k versionKey
		var sum []byte
		if err := rows.Scan(&k.id, &k.modified, &sum); err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
		if w := want[k]; string(sum) != string(w[:]) {
			return &hub.VersionError{Err: hub.ErrConflict, ID: k.id, Modified: k.modified}
		}
	}
	return rows.Err()
}

// insertObservables writes the index rows of the inserted versions.
func insertObservables(ctx context.Context, tx *sqlx.Tx, objs []hub.StoredObject, inserted map[versionKey]bool) error {
	var ids, mods, kinds, values, nets, paths, ops []string
	for i := range objs {
		o := &objs[i]
		if !inserted[versionKey{o.ID, o.Modified}] {
			continue
		}
		for _, ob := range o.Observables {
			ids, mods = append(ids, o.ID), append(mods, o.Modified)
			kinds, values = append(kinds, ob.Kind), append(values, ob.Value)
			paths, ops = append(paths, ob.Path), append(ops, ob.Op)
			net := ""
			if ob.Kind == "ipv4" || ob.Kind == "ipv6" {
				net = ob.Value
			}
			nets = append(nets, net)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO observables (object_id, modified, kind, value, net, path, op)
		SELECT object_id, modified, kind, value, NULLIF(net, '')::inet, path, op
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
		     AS t(object_id, modified, kind, value, net, path, op)`,
		pq.Array(ids), pq.Array(mods), pq.Array(kinds), pq.Array(values), pq.Array(nets), pq.Array(paths), pq.Array(ops)); err != nil {
		return fmt.Errorf("insert observables: %w", err)
	}
	return nil
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
// is the first stored version of a new id, object.updated otherwise.
func appendEvents(ctx context.Context, tx *sqlx.Tx, s *hub.NewSubmission, inserted map[versionKey]bool, created map[string]bool) (int64, error) {
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
	var last int64
	err := tx.QueryRowContext(ctx, `
		WITH ins AS (
			INSERT INTO events (object_id, modified, kind, org, received)
			SELECT object_id, modified, kind, $4, $5
			FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(object_id, modified, kind, ord)
			ORDER BY ord
			RETURNING seq)
		SELECT max(seq) FROM ins`,
		pq.Array(ids), pq.Array(mods), pq.Array(kinds), s.Org, s.Received).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("append events: %w", err)
	}
	return last, nil
}

// versionColumns holds the versions of a submission column by column, as
// the array parameters of one multi-row INSERT: text arrays that SQL casts
// to the column types, with NULL elements where a value is absent.
// Arrays of arrays are not rectangular, so each row's recipients and labels
// travel as one array literal, cast back in SQL.
type versionColumns struct {
	ids, modified, types, createdBy, tlps, sigs, kids, labels []string
	modifiedAt, createdAt                                     []string
	names, descs, recipients, validFrom, validUntil           []sql.NullString
	confidence                                                []sql.NullInt64
	revoked                                                   []bool
	raws, digests                                             [][]byte
}

func (c *versionColumns) add(o *hub.StoredObject) {
	c.ids = append(c.ids, o.ID)
	c.modified = append(c.modified, o.Modified)
	c.types = append(c.types, o.Type)
	c.createdBy = append(c.createdBy, o.CreatedBy)
	c.tlps = append(c.tlps, string(o.TLP))
	c.sigs = append(c.sigs, o.Signature)
	c.kids = append(c.kids, o.KID)
	c.labels = append(c.labels, arrayLiteral(o.Labels))
	c.modifiedAt = append(c.modifiedAt, timestamp(o.ModifiedAt))
	c.createdAt = append(c.createdAt, timestamp(o.CreatedAt))
	c.names = append(c.names, sql.NullString{String: o.Name, Valid: o.Name != ""})
	c.descs = append(c.descs, sql.NullString{String: o.Desc, Valid: o.Desc != ""})
	var rcpt sql.NullString
	if o.Recipients != nil {
		rcpt = sql.NullString{String: arrayLiteral(o.Recipients), Valid: true}
	}
	c.recipients = append(c.recipients, rcpt)
	c.validFrom = append(c.validFrom, nullTimestamp(o.ValidFrom))
	c.validUntil = append(c.validUntil, nullTimestamp(o.ValidUntil))
	var conf sql.NullInt64
	if o.Confidence != nil {
		conf = sql.NullInt64{Int64: int64(*o.Confidence), Valid: true}
	}
	c.confidence = append(c.confidence, conf)
	c.revoked = append(c.revoked, o.Revoked)
	c.raws = append(c.raws, o.Raw)
	c.digests = append(c.digests, o.SHA256[:])
}

// timestamp renders t for a timestamptz[] text element (nanoseconds kept;
// PostgreSQL rounds to microseconds).
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// nullTimestamp renders an optional time; nil becomes NULL.
func nullTimestamp(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: timestamp(*t), Valid: true}
}

// arrayLiteral renders ss as one PostgreSQL array literal ("{}" for none),
// every element quoted, so a row's list can travel as one text element.
func arrayLiteral(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if c := s[j]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
