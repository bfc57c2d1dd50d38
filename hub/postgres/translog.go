package postgres

import (
	"context"
	"crypto"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/translog"
)

// The transparency log's storage. Entries are appended by the
// transactions that make the changes they record (ingest, key and
// participant registration), one batch per transaction, placed under
// feedAppendLock, so their indexes follow the feed's commit order and
// never have gaps; the sequencer
// (translog.Sequencer) hashes them into log_hash_runs and publishes
// checkpoints, one replica per round (logSequencerLock).

var (
	_ translog.Store          = (*DB)(nil)
	_ translog.SequencerStore = (*DB)(nil)
	_ translog.KeyStore       = (*DB)(nil)
)

// logSequencerLock is the transaction advisory lock a sequencing round
// holds; a replica that cannot take it skips the round.
const logSequencerLock = 0x6a61676c6f67 // "jaglog"

// logKeysLock serialises the creation of the first log key.
const logKeysLock = 0x6a61676c6b6579 // "jaglkey"

// maxCosignaturesPerOrg bounds the cosignatures kept per participant.
const maxCosignaturesPerOrg = 64

// writeBatch stores the entries of a batch (a submission id, or
// registry--<uuid>) as one tlog-tiles bundle. Call it before taking
// feedAppendLock: it is the bulk of the log's write. (Ingest inserts its
// bundle with the submission row instead: insertSubmission.)
func writeBatch(ctx context.Context, tx sqlx.ExtContext, batch string, entries [][]byte) error {
	b, err := bundleArg(entries)
	if err != nil {
		return fmt.Errorf("append log entries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_bundles (batch, entries) VALUES ($1, `+b.expr(2)+`)`, batch, b.text); err != nil {
		return fmt.Errorf("append log entries: %w", err)
	}
	return nil
}

// A bundle travels to the server as a text parameter: lib/pq sends a
// bytea parameter in hex, twice the bundle's size (about 1.1 MB per
// 1,000 object entries), which the server then decodes, while entries are
// canonical JSON, ASCII but for their length prefixes.
//
// A bundle of ASCII bytes but NUL — object entries are, but for a rare
// length — is sent as it is: convert_to(…, 'UTF8') returns its bytes
// unchanged (ASCII is the same in every server encoding; only the text's
// validity is checked). Any other is sent in bytea's escape format, which
// decode(…, 'escape') reverses: every byte outside printable ASCII as a
// backslash and three octal digits, the backslash doubled, the others as
// they are; hardly larger than the bundle either.
type bundleText struct {
	text  []byte
	ascii bool // text is the bundle itself
}

// expr is the SQL expression of the bundle's bytes from parameter $n.
func (b bundleText) expr(n int) string {
	if b.ascii {
		return fmt.Sprintf("convert_to($%d, 'UTF8')", n)
	}
	return fmt.Sprintf("decode($%d, 'escape')", n)
}

// bundleArg returns translog.EncodeBundle(entries) as a text parameter.
func bundleArg(entries [][]byte) (bundleText, error) {
	b, err := translog.EncodeBundle(entries)
	if err != nil {
		return bundleText{}, err
	}
	return bundleTextOf(b), nil
}

// bundleTextOf returns bundle as a text parameter.
func bundleTextOf(bundle []byte) bundleText {
	if asciiText(bundle) {
		return bundleText{text: bundle, ascii: true}
	}
	out := make([]byte, 0, len(bundle)+len(bundle)/16)
	return bundleText{text: appendEscaped(out, bundle)}
}

// asciiText reports whether b holds ASCII bytes other than NUL only; eight
// bytes at a time.
func asciiText(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; len(b) >= 8; b = b[8:] {
		// A byte with its high bit set, or a zero byte (the borrow of
		// x - ones sets the high bit of the lowest zero byte).
		if x := binary.LittleEndian.Uint64(b); x&highs != 0 || (x-ones)&^x&highs != 0 {
			return false
		}
	}
	for _, c := range b {
		if c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// escapedByte marks the bytes the escape format writes as escapes.
var escapedByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c >= 0x7f || c == '\\'
	}
	return t
}()

// appendEscaped appends b in bytea's escape format (see bundleText).
func appendEscaped(dst, b []byte) []byte {
	for len(b) > 0 {
		i := 0
		for i < len(b) && !escapedByte[b[i]] {
			i++
		}
		dst = append(dst, b[:i]...)
		if i == len(b) {
			break
		}
		if c := b[i]; c == '\\' {
			dst = append(dst, '\\', '\\')
		} else {
			dst = append(dst, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
		}
		b = b[i+1:]
	}
	return dst
}

// assignBatch gives a written batch of count entries its place in the log
// and returns the index of its first entry. The caller's transaction must
// hold feedAppendLock until COMMIT: the end of the last batch is then the
// end of every batch that will ever commit before this one.
func assignBatch(ctx context.Context, tx sqlx.ExtContext, batch string, count int) (int64, error) {
	var first int64
	err := sqlx.GetContext(ctx, tx, &first, `
		INSERT INTO log_batches (batch, first_idx, count)
		SELECT $1, coalesce((SELECT first_idx + count FROM log_batches ORDER BY first_idx DESC LIMIT 1), 0), $2
		RETURNING first_idx`, batch, count)
	if err != nil {
		return 0, fmt.Errorf("append log entries: %w", err)
	}
	return first, nil
}

// logPlacement is an ingest transaction's log batch: its bundle written
// before feedAppendLock (insertSubmission), placed under it by
// placeBatch.
type logPlacement struct {
	batch string
	count int
	first int64 // set by placeBatch
}

// placeBatch is assignBatch for the batch of an ingest transaction that
// has just appended its events under feedAppendLock (the caller holds it
// until COMMIT). It returns the events' last seq, read by the same
// statement, so that placing the batch costs the locked section no round
// trip of its own.
func placeBatch(ctx context.Context, tx sqlx.QueryerContext, p *logPlacement) (int64, error) {
	var last int64
	err := tx.QueryRowxContext(ctx, `
		WITH placed AS (
		    INSERT INTO log_batches (batch, first_idx, count)
		    SELECT $1, coalesce((SELECT first_idx + count FROM log_batches ORDER BY first_idx DESC LIMIT 1), 0), $2
		    RETURNING first_idx)
		SELECT currval(pg_get_serial_sequence('events', 'seq')), first_idx FROM placed`, p.batch, p.count).Scan(&last, &p.first)
	if err != nil {
		return 0, fmt.Errorf("append events and place log entries: %w", err)
	}
	return last, nil
}

// appendLogLocked appends a registry change's entries as one batch: the
// bundle, then feedAppendLock, then its place.
func appendLogLocked(ctx context.Context, tx sqlx.ExtContext, entries ...[]byte) error {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return fmt.Errorf("append log entries: %w", err)
	}
	batch := "registry--" + hex.EncodeToString(u[:])
	if err := writeBatch(ctx, tx, batch, entries); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, feedAppendLock); err != nil {
		return fmt.Errorf("lock feed: %w", err)
	}
	_, err := assignBatch(ctx, tx, batch, len(entries))
	return err
}

// objectLogBatch encodes the entries of the fresh versions of s, in
// bundle order (the order of their log_ordinal and of their events), and
// returns their bundle, written in place, and the entries, slices of it.
func objectLogBatch(s *hub.NewSubmission, fresh map[versionKey]bool) ([]byte, [][]byte, error) {
	bundle := make([]byte, 0, 600*len(fresh))
	ends := make([]int, 0, len(fresh))
	for i := range s.Objects {
		o := &s.Objects[i]
		if !fresh[versionKey{o.ID, o.Modified}] {
			continue
		}
		start := len(bundle) + 2
		var err error
		bundle, err = translog.AppendObjectEntry(append(bundle, 0, 0), translog.ObjectVersion{
			ID: o.ID, Modified: o.Modified, SHA256: o.SHA256, KID: o.KID, Signature: o.Signature,
			Creator: o.CreatedBy, Submission: s.ID, Received: s.Received,
		})
		if err != nil {
			return nil, nil, err
		}
		n := len(bundle) - start
		if n > translog.MaxEntryBytes {
			return nil, nil, fmt.Errorf("%w: object %s: %d bytes, more than %d", translog.ErrEntry, o.ID, n, translog.MaxEntryBytes)
		}
		binary.BigEndian.PutUint16(bundle[start-2:], uint16(n))
		ends = append(ends, len(bundle))
	}
	entries := make([][]byte, len(ends))
	for i, end := range ends {
		start := 2
		if i > 0 {
			start = ends[i-1] + 2
		}
		entries[i] = bundle[start:end:end]
	}
	return bundle, entries, nil
}

// keyThumbprint is the RFC 7638 SHA-256 thumbprint a key entry names.
func keyThumbprint(k *keyRow) ([]byte, error) {
	key, err := k.key()
	if err != nil {
		return nil, err
	}
	tp, err := key.JWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("thumbprint of key %q: %w", k.KID, err)
	}
	return tp, nil
}

// logKey appends the entry of a registered key (unless the log is off).
func (db *DB) logKey(ctx context.Context, tx *sqlx.Tx, r *keyRow) error {
	if db.noLog {
		return nil
	}
	tp, err := keyThumbprint(r)
	if err != nil {
		return err
	}
	e, err := translog.KeyEntry(r.KID, r.Participant, r.Alg, tp, r.NotBefore)
	if err != nil {
		return err
	}
	return appendLogLocked(ctx, tx, e)
}

// logKeyRevoked appends the entry of a key revocation.
func (db *DB) logKeyRevoked(ctx context.Context, tx *sqlx.Tx, r *keyRow) error {
	if db.noLog || r.RevokedAt == nil {
		return nil
	}
	e, err := translog.KeyRevokedEntry(r.KID, r.Participant, *r.RevokedAt)
	if err != nil {
		return err
	}
	return appendLogLocked(ctx, tx, e)
}

// logParticipant appends the entry of a registered participant.
func (db *DB) logParticipant(ctx context.Context, tx *sqlx.Tx, p auth.Participant) error {
	if db.noLog {
		return nil
	}
	e, err := translog.ParticipantEntry(p.ID, p.Identity, p.CreatedAt)
	if err != nil {
		return err
	}
	return appendLogLocked(ctx, tx, e)
}

// submissionLog returns the log positions of the versions a submission
// stored, in log order.
func submissionLog(ctx context.Context, q sqlx.QueryerContext, submission string) ([]hub.LogPosition, error) {
	var out []hub.LogPosition
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT o.id, o.modified, lb.first_idx + o.log_ordinal AS index
		FROM log_batches lb
		JOIN objects o ON o.submission = lb.batch AND o.log_ordinal IS NOT NULL
		WHERE lb.batch = $1
		ORDER BY o.log_ordinal`, submission)
	if err != nil {
		return nil, fmt.Errorf("read submission log positions: %w", err)
	}
	return out, nil
}

// TreeSize implements translog.Store.
func (db *DB) TreeSize(ctx context.Context) (int64, error) {
	return treeSize(ctx, db.db)
}

func treeSize(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, `SELECT size FROM log_tree`); err != nil {
		return 0, fmt.Errorf("read log tree size: %w", mapError(err))
	}
	return n, nil
}

// ReadHashes implements translog.Store.
func (db *DB) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, db.db, indexes)
}

func readHashes(ctx context.Context, q sqlx.QueryerContext, indexes []int64) ([]tlog.Hash, error) {
	// Each index from the run holding it (the last to start at or before
	// it); substring of an uncompressed value reads only its chunk.
	rows, err := q.QueryContext(ctx, `
		SELECT t.ord, substring(r.data FROM ((t.idx - r.start) * 32 + 1)::int FOR 32)
		FROM unnest($1::bigint[]) WITH ORDINALITY AS t (idx, ord)
		CROSS JOIN LATERAL (
		    SELECT start, data FROM log_hash_runs WHERE start <= t.idx ORDER BY start DESC LIMIT 1
		) r`, pq.Int64Array(indexes))
	if err != nil {
		return nil, fmt.Errorf("read log hashes: %w", mapError(err))
	}
	defer rows.Close()
	out := make([]tlog.Hash, len(indexes))
	found := 0
	for rows.Next() {
		var ord int
		var h []byte
		if err := rows.Scan(&ord, &h); err != nil {
			return nil, fmt.Errorf("read log hashes: %w", mapError(err))
		}
		if ord < 1 || ord > len(out) || len(h) != tlog.HashSize {
			return nil, fmt.Errorf("read log hashes: malformed row")
		}
		copy(out[ord-1][:], h)
		found++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read log hashes: %w", mapError(err))
	}
	if found != len(indexes) {
		return nil, fmt.Errorf("read log hashes: %d of %d stored", found, len(indexes))
	}
	return out, nil
}

// Entries implements translog.Store: up to count entries from start on,
// stopping at the first missing index.
func (db *DB) Entries(ctx context.Context, start int64, count int) ([][]byte, error) {
	return entries(ctx, db.db, start, count)
}

func entries(ctx context.Context, q sqlx.QueryerContext, start int64, count int) ([][]byte, error) {
	// The batches overlapping [start, start+count): from the one holding
	// start (the last to begin at or before it) on.
	rows, err := q.QueryContext(ctx, `
		SELECT b.first_idx, b.count, e.entries
		FROM log_batches b JOIN log_bundles e USING (batch)
		WHERE b.first_idx >= coalesce((SELECT max(first_idx) FROM log_batches WHERE first_idx <= $1), 0)
		  AND b.first_idx < $1 + $2
		ORDER BY b.first_idx`, start, count)
	if err != nil {
		return nil, fmt.Errorf("read log entries: %w", mapError(err))
	}
	defer rows.Close()
	var out [][]byte
	next := start // the next index wanted
	for rows.Next() {
		var first int64
		var n int
		var blob []byte
		if err := rows.Scan(&first, &n, &blob); err != nil {
			return nil, fmt.Errorf("read log entries: %w", mapError(err))
		}
		if first > next || first+int64(n) <= next {
			break // a gap: only what precedes it counts
		}
		es, err := translog.DecodeBundle(blob, n)
		if err != nil {
			break // a damaged batch: what precedes it counts
		}
		for i := next - first; i < int64(n) && len(out) < count; i++ {
			out = append(out, es[i])
			next++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read log entries: %w", mapError(err))
	}
	return out, nil
}

// LatestCheckpoint implements translog.Store.
func (db *DB) LatestCheckpoint(ctx context.Context) ([]byte, int64, []string, error) {
	var cp struct {
		Size int64          `db:"size"`
		Note []byte         `db:"note"`
		Sigs pq.StringArray `db:"sigs"`
	}
	err := db.db.GetContext(ctx, &cp, `
		SELECT c.size, c.note,
		       array(SELECT line FROM log_cosignatures s WHERE s.size = c.size ORDER BY s.org) AS sigs
		FROM log_checkpoints c ORDER BY c.size DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil, translog.ErrNoCheckpoint
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("read checkpoint: %w", mapError(err))
	}
	return cp.Note, cp.Size, []string(cp.Sigs), nil
}

// CheckpointAt implements translog.Store.
func (db *DB) CheckpointAt(ctx context.Context, size int64) ([]byte, error) {
	var msg []byte
	err := db.db.GetContext(ctx, &msg, `SELECT note FROM log_checkpoints WHERE size = $1`, size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, translog.ErrNoCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %d: %w", size, mapError(err))
	}
	return msg, nil
}

// SaveCosignature implements translog.Store.
func (db *DB) SaveCosignature(ctx context.Context, c translog.Cosignature) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO log_cosignatures (org, size, vkey, line) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org, size) DO UPDATE SET vkey = excluded.vkey, line = excluded.line, created_at = now()`,
			c.Org, c.Size, c.Key, c.Line); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			DELETE FROM log_cosignatures WHERE org = $1 AND size < coalesce((
			    SELECT size FROM log_cosignatures WHERE org = $1 ORDER BY size DESC OFFSET $2 LIMIT 1), -1)`,
			c.Org, maxCosignaturesPerOrg-1)
		return err
	})
	if err != nil {
		return fmt.Errorf("save cosignature: %w", err)
	}
	return nil
}

// LogIndex returns the log index of a stored version, or ErrNotFound when
// it has none (accepted before the log existed, or while it was off).
// Callers check visibility first.
func (db *DB) LogIndex(ctx context.Context, id, modified string) (int64, error) {
	var idx int64
	err := db.db.GetContext(ctx, &idx, `
		SELECT lb.first_idx + o.log_ordinal
		FROM objects o JOIN log_batches lb ON lb.batch = o.submission
		WHERE o.id = $1 AND o.modified = $2 AND o.log_ordinal IS NOT NULL`, id, modified)
	if err != nil {
		return 0, fmt.Errorf("read log index: %w", mapError(err))
	}
	return idx, nil
}

// SequenceRound implements translog.SequencerStore.
func (db *DB) SequenceRound(ctx context.Context, fn func(ctx context.Context, r translog.Round) error) (bool, error) {
	ran := false
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &ran, `SELECT pg_try_advisory_xact_lock($1)`, logSequencerLock); err != nil {
			return err
		}
		if !ran {
			return nil
		}
		return fn(ctx, round{tx: tx, leaves: &db.leaves})
	})
	return ran, err
}

// round is one sequencing round's transaction, with the leaf hashes of
// the batches this process committed.
type round struct {
	tx     *sqlx.Tx
	leaves *leafCache
}

func (r round) TreeSize(ctx context.Context) (int64, error) { return treeSize(ctx, r.tx) }

func (r round) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, r.tx, indexes)
}

func (r round) AppendHashes(ctx context.Context, start int64, hashes []tlog.Hash, size int64) error {
	run := make([]byte, 0, len(hashes)*tlog.HashSize)
	for i := range hashes {
		run = append(run, hashes[i][:]...)
	}
	// One statement, one round trip: the runs left behind by a
	// rolled-back tree (none in normal operation) are deleted, then the
	// new run is inserted (it reads the deletion's count, so it comes
	// after it, and a run deleted by this transaction no longer holds its
	// start), then the size is recorded (it reads the insertion's count).
	res, err := r.tx.ExecContext(ctx, `
		WITH gone AS (DELETE FROM log_hash_runs WHERE start >= $1 RETURNING start),
		     run AS (
		         INSERT INTO log_hash_runs (start, data)
		         SELECT $1, $2 FROM (SELECT count(*) FROM gone) g
		         RETURNING start)
		UPDATE log_tree SET size = $3 FROM (SELECT count(*) FROM run) r`, start, run, size)
	if err != nil {
		return fmt.Errorf("store log hashes: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("store log tree size: %d rows updated (%v)", n, err)
	}
	return nil
}

func (r round) LastCheckpoint(ctx context.Context) (int64, time.Duration, bool, error) {
	var cp struct {
		Size int64   `db:"size"`
		Age  float64 `db:"age"`
	}
	err := r.tx.GetContext(ctx, &cp, `
		SELECT size, extract(epoch FROM now() - created_at)::float8 AS age
		FROM log_checkpoints ORDER BY size DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("read last checkpoint: %w", err)
	}
	return cp.Size, time.Duration(cp.Age * float64(time.Second)), true, nil
}

func (r round) SaveCheckpoint(ctx context.Context, c translog.Checkpoint, signed []byte) error {
	if _, err := r.tx.ExecContext(ctx, `INSERT INTO log_checkpoints (size, note) VALUES ($1, $2)`, c.Size, signed); err != nil {
		return fmt.Errorf("store checkpoint: %w", err)
	}
	return nil
}

// LogKeys implements translog.KeyStore: newest first.
func (db *DB) LogKeys(ctx context.Context) ([]translog.Key, error) {
	var rows []struct {
		VKey      string     `db:"vkey"`
		SKey      string     `db:"skey"`
		CreatedAt time.Time  `db:"created_at"`
		RetiredAt *time.Time `db:"retired_at"`
	}
	err := db.db.SelectContext(ctx, &rows, `
		SELECT vkey, skey, created_at, retired_at FROM log_keys ORDER BY created_at DESC, vkey`)
	if err != nil {
		return nil, fmt.Errorf("list log keys: %w", mapError(err))
	}
	out := make([]translog.Key, len(rows))
	for i, r := range rows {
		out[i] = translog.Key{VKey: r.VKey, SKey: r.SKey, CreatedAt: r.CreatedAt.UTC(), RetiredAt: r.RetiredAt}
	}
	return out, nil
}

// CreateLogKeyIfNone implements translog.KeyStore.
func (db *DB) CreateLogKeyIfNone(ctx context.Context, k translog.Key) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(logKeysLock)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO log_keys (vkey, skey)
			SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM log_keys WHERE retired_at IS NULL)`, k.VKey, k.SKey)
		return err
	})
	if err != nil {
		return fmt.Errorf("create log key: %w", err)
	}
	return nil
}

// AddLogKey stores an additional active log key (rotation): replicas sign
// with every active key from their next start.
func (db *DB) AddLogKey(ctx context.Context, k translog.Key) error {
	if _, err := db.db.ExecContext(ctx, `INSERT INTO log_keys (vkey, skey) VALUES ($1, $2)`, k.VKey, k.SKey); err != nil {
		return fmt.Errorf("add log key: %w", mapConstraint(err))
	}
	return nil
}

// RetireLogKey retires the active log key vkey; the last active key
// cannot be retired (hub.ErrConflict), an unknown one is hub.ErrNotFound.
func (db *DB) RetireLogKey(ctx context.Context, vkey string) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(logKeysLock)); err != nil {
			return err
		}
		var active int
		var known bool
		if err := tx.QueryRowContext(ctx, `
			SELECT count(*) FILTER (WHERE retired_at IS NULL), bool_or(vkey = $1 AND retired_at IS NULL)
			FROM log_keys`, vkey).Scan(&active, &known); err != nil {
			return err
		}
		switch {
		case !known:
			return fmt.Errorf("%w: no active log key %q", hub.ErrNotFound, vkey)
		case active < 2:
			return fmt.Errorf("%w: %q is the only active log key; add its successor first", hub.ErrConflict, vkey)
		}
		_, err := tx.ExecContext(ctx, `UPDATE log_keys SET retired_at = now() WHERE vkey = $1`, vkey)
		return err
	})
	if err != nil {
		return fmt.Errorf("retire log key: %w", err)
	}
	return nil
}
