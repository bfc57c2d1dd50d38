package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/hub/translog"
)

// The sequencer needs the RFC 6962 leaf hash of every new entry. Reading
// the entry bundles back from the database for that (each a few hundred
// KiB, out of line, hex on the wire) cost more than hashing them, so a
// process keeps the leaf hashes of the batches it committed itself, and
// its sequencer reads back only the batches of other replicas (or the
// ones it no longer holds). The hashes are of the very bytes the ingest
// transaction stored, and are kept only once it committed.

// maxCachedLeaves bounds the leaf hashes a process holds (2 MiB): beyond
// it the oldest batches are dropped and read back when sequenced.
const maxCachedLeaves = 1 << 16

// batchLeaves is the leaf hashes of one logged batch and its first index.
type batchLeaves struct {
	first  int64
	hashes []tlog.Hash
}

// leafCache is the leaf hashes of recently committed batches, by first
// index. The zero value is ready; safe for concurrent use.
type leafCache struct {
	mu      sync.Mutex
	batches map[int64][]tlog.Hash
	n       int // hashes held
}

// recordHashes returns the leaf hash of each entry.
func recordHashes(entries [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(entries))
	for i, e := range entries {
		out[i] = tlog.RecordHash(e)
	}
	return out
}

// put records the leaf hashes of a committed batch starting at first.
func (c *leafCache) put(first int64, hashes []tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.batches == nil {
		c.batches = map[int64][]tlog.Hash{}
	}
	for c.n+len(hashes) > maxCachedLeaves && len(c.batches) > 0 {
		oldest := int64(-1)
		for f := range c.batches {
			if oldest < 0 || f < oldest {
				oldest = f
			}
		}
		c.n -= len(c.batches[oldest])
		delete(c.batches, oldest)
	}
	if len(hashes) > maxCachedLeaves {
		return
	}
	c.batches[first] = hashes
	c.n += len(hashes)
}

// get returns the hashes of the batch starting at first.
func (c *leafCache) get(first int64) ([]tlog.Hash, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hs, ok := c.batches[first]
	return hs, ok
}

// forgetBelow drops the batches that end at or before size: the tree
// holds them (hashed by this process's sequencer or another replica's).
func (c *leafCache) forgetBelow(size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for f, hs := range c.batches {
		if f+int64(len(hs)) <= size {
			delete(c.batches, f)
			c.n -= len(hs)
		}
	}
}

// RecordHashes implements translog.Round: the leaf hashes of up to limit
// entries from start on, stopping at the first gap. Batches this process
// committed come from its cache; the others are read and hashed.
func (r round) RecordHashes(ctx context.Context, start int64, limit int) ([]tlog.Hash, error) {
	r.leaves.forgetBelow(start)
	// The batches overlapping [start, start+limit): from the one holding
	// start (the last to begin at or before it) on. Their sizes only.
	var batches []struct {
		Batch string `db:"batch"`
		First int64  `db:"first_idx"`
		Count int    `db:"count"`
	}
	if err := sqlx.SelectContext(ctx, r.tx, &batches, `
		SELECT batch, first_idx, count FROM log_batches
		WHERE first_idx >= coalesce((SELECT max(first_idx) FROM log_batches WHERE first_idx <= $1), 0)
		  AND first_idx < $1 + $2
		ORDER BY first_idx`, start, limit); err != nil {
		return nil, fmt.Errorf("read log batches: %w", mapError(err))
	}
	var out []tlog.Hash
	next := start // the next index wanted
	for _, b := range batches {
		if b.First > next || b.First+int64(b.Count) <= next || len(out) >= limit {
			break // a gap: only what precedes it counts
		}
		hs, ok := r.leaves.get(b.First)
		if !ok || len(hs) != b.Count {
			var blob []byte
			if err := sqlx.GetContext(ctx, r.tx, &blob, `SELECT entries FROM log_bundles WHERE batch = $1`, b.Batch); err != nil {
				return nil, fmt.Errorf("read log entries: %w", mapError(err))
			}
			es, err := translog.DecodeBundle(blob, b.Count)
			if err != nil {
				break // a damaged batch: what precedes it counts
			}
			hs = recordHashes(es)
		}
		for i := next - b.First; i < int64(b.Count) && len(out) < limit; i++ {
			out = append(out, hs[i])
			next++
		}
	}
	return out, nil
}

var _ translog.StatusReader = (*DB)(nil)

// LogStatus implements translog.StatusReader: two index probes.
func (db *DB) LogStatus(ctx context.Context) (translog.Status, error) {
	var st struct {
		Entries int64    `db:"entries"`
		Size    *int64   `db:"size"`
		Age     *float64 `db:"age"`
	}
	err := db.db.GetContext(ctx, &st, `
		SELECT coalesce((SELECT first_idx + count FROM log_batches ORDER BY first_idx DESC LIMIT 1), 0) AS entries,
		       c.size, extract(epoch FROM now() - c.created_at)::float8 AS age
		FROM (SELECT 1) one
		LEFT JOIN LATERAL (SELECT size, created_at FROM log_checkpoints ORDER BY size DESC LIMIT 1) c ON true`)
	if err != nil {
		return translog.Status{}, fmt.Errorf("read log status: %w", mapError(err))
	}
	s := translog.Status{Entries: st.Entries}
	if st.Size != nil && st.Age != nil {
		s.HasCheckpoint, s.CheckpointSize = true, *st.Size
		s.CheckpointAge = time.Duration(*st.Age * float64(time.Second))
	}
	return s, nil
}
