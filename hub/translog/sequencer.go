package translog

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Round is what one sequencing round sees of storage: it runs inside one
// transaction, as the only sequencer of the log (see SequencerStore).
type Round interface {
	// TreeSize is the number of entries already hashed.
	TreeSize(ctx context.Context) (int64, error)
	// RecordHashes returns the RFC 6962 leaf hashes (tlog.RecordHash) of
	// up to limit entries from index start on, without gaps (fewer when
	// fewer are committed). A store may hash entries as it reads them or
	// keep the hashes of entries it wrote itself.
	RecordHashes(ctx context.Context, start int64, limit int) ([]tlog.Hash, error)
	// ReadHashes returns the stored hashes at the given stored-hash
	// indexes (tlog.StoredHashIndex).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// AppendHashes stores hashes at stored-hash indexes from start on and
	// records size as the new tree size.
	AppendHashes(ctx context.Context, start int64, hashes []tlog.Hash, size int64) error
	// LastCheckpoint returns the size and age of the newest checkpoint
	// (ok false when none), the age by the database's clock, which every
	// replica shares.
	LastCheckpoint(ctx context.Context) (size int64, age time.Duration, ok bool, err error)
	// SaveCheckpoint records a signed checkpoint.
	SaveCheckpoint(ctx context.Context, c Checkpoint, signed []byte) error
}

// SequencerStore elects the sequencer of each round.
type SequencerStore interface {
	// SequenceRound runs fn in one transaction if no other replica is
	// running a round, and reports whether it ran.
	SequenceRound(ctx context.Context, fn func(ctx context.Context, r Round) error) (bool, error)
}

// Sequencer hashes new entries into the tree and publishes checkpoints.
type Sequencer struct {
	Store   SequencerStore
	Origin  string
	Signers []note.Signer // the log's active keys; each signs every checkpoint
	// Interval is the least time between two checkpoints (default 1 s).
	Interval time.Duration
	// Batch bounds the entries hashed per round (default 4096).
	Batch int
}

// RoundResult says what a round did.
type RoundResult struct {
	Ran        bool  // this process was the sequencer of the round
	Hashed     int   // entries hashed
	Size       int64 // tree size after the round
	Checkpoint bool  // a checkpoint was published
}

// Step runs one round.
func (s *Sequencer) Step(ctx context.Context) (RoundResult, error) {
	var res RoundResult
	ran, err := s.Store.SequenceRound(ctx, func(ctx context.Context, r Round) error {
		var err error
		res, err = s.round(ctx, r)
		return err
	})
	if err != nil {
		return RoundResult{}, fmt.Errorf("sequence log: %w", err)
	}
	res.Ran = ran
	return res, nil
}

func (s *Sequencer) round(ctx context.Context, r Round) (RoundResult, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 4096
	}
	interval := s.Interval
	if interval <= 0 {
		interval = time.Second
	}
	n, err := r.TreeSize(ctx)
	if err != nil {
		return RoundResult{}, err
	}
	leaves, err := r.RecordHashes(ctx, n, batch)
	if err != nil {
		return RoundResult{}, err
	}
	hr := &roundHashes{ctx: ctx, r: r, size: n, base: tlog.StoredHashIndex(0, n)}
	for i, leaf := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(n+int64(i), leaf, hr)
		if err != nil {
			return RoundResult{}, fmt.Errorf("hash entry %d: %w", n+int64(i), err)
		}
		hr.fresh = append(hr.fresh, hs...)
	}
	size := n + int64(len(leaves))
	if len(leaves) > 0 {
		if err := r.AppendHashes(ctx, hr.base, hr.fresh, size); err != nil {
			return RoundResult{}, err
		}
	}
	res := RoundResult{Hashed: len(leaves), Size: size}
	last, age, ok, err := r.LastCheckpoint(ctx)
	if err != nil {
		return RoundResult{}, err
	}
	if ok && (size == last || age < interval) {
		return res, nil
	}
	root, err := TreeHash(size, hr)
	if err != nil {
		return RoundResult{}, err
	}
	c := Checkpoint{Origin: s.Origin, Size: size, Hash: root}
	signed, err := SignCheckpoint(c, s.Signers...)
	if err != nil {
		return RoundResult{}, err
	}
	if err := r.SaveCheckpoint(ctx, c, signed); err != nil {
		return RoundResult{}, err
	}
	res.Checkpoint = true
	return res, nil
}

// TreeHash is the RFC 6962 root of the first n entries: tlog.TreeHash,
// except for the empty tree, whose RFC 6962 hash is SHA-256 of nothing
// (tlog returns zeros there).
func TreeHash(n int64, r tlog.HashReader) (tlog.Hash, error) {
	if n == 0 {
		return sha256.Sum256(nil), nil
	}
	h, err := tlog.TreeHash(n, r)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("tree hash at %d: %w", n, err)
	}
	return h, nil
}

// roundHashes is the tlog.HashReader of a round: the hashes computed in
// this round from memory, older ones from the store (the few on the
// right edge of the tree that new hashes depend on, read at the first
// need in one query).
type roundHashes struct {
	ctx   context.Context
	r     Round
	size  int64       // tree size the round started from
	base  int64       // stored-hash index of fresh[0]
	fresh []tlog.Hash // computed this round
	cache map[int64]tlog.Hash
}

func (h *roundHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for i, x := range indexes {
		switch {
		case x >= h.base && x < h.base+int64(len(h.fresh)):
			out[i] = h.fresh[x-h.base]
		default:
			if v, ok := h.cache[x]; ok {
				out[i] = v
			} else {
				missing = append(missing, x)
			}
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	if h.cache == nil {
		// The first read from the store: with the roots of the complete
		// subtrees of the tree the round started from, the only older
		// hashes that new ones and the new root combine with.
		missing = appendRightEdge(missing, h.size)
	}
	got, err := h.r.ReadHashes(h.ctx, missing)
	if err != nil {
		return nil, err
	}
	if h.cache == nil {
		h.cache = map[int64]tlog.Hash{}
	}
	for i, x := range missing {
		h.cache[x] = got[i]
	}
	for i, x := range indexes {
		if x < h.base || x >= h.base+int64(len(h.fresh)) {
			out[i] = h.cache[x]
		}
	}
	return out, nil
}

// appendRightEdge appends the stored-hash indexes of the roots of the
// complete subtrees a tree of size n is made of: one per bit set in n.
func appendRightEdge(idx []int64, n int64) []int64 {
	for l := 0; l < 63; l++ {
		if n>>l&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(l, n>>l-1))
		}
	}
	return idx
}

// Run steps until ctx ends: at once again while a round fills its batch,
// otherwise on a wake-up (new entries were committed; nil: none come) or
// after poll, whichever is first. Errors are reported to onErr and
// retried.
func (s *Sequencer) Run(ctx context.Context, poll time.Duration, wake <-chan struct{}, onErr func(error)) {
	batch := s.Batch
	if batch <= 0 {
		batch = 4096
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		res, err := s.Step(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			onErr(err)
			t.Reset(poll)
		case res.Hashed == batch:
			t.Reset(0)
		default:
			t.Reset(poll)
		}
	}
}
