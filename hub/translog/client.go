package translog

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Verification failures. Each names what was caught.
var (
	// ErrInconsistent: a checkpoint is not an extension of one trusted
	// before (history rewritten, rolled back, or a split view).
	ErrInconsistent = errors.New("log history is inconsistent")
	// ErrNotInLog: an entry is missing from the tree, or the tree does not
	// hold the entry served for an index.
	ErrNotInLog = errors.New("not in the log")
	// ErrQuorum: fewer witnesses than required cosigned the checkpoint.
	ErrQuorum = errors.New("witness quorum not met")
)

// Fetcher gets a log resource by its path below the log's prefix
// ("checkpoint", "tile/0/000", "tile/entries/000.p/5"). It must bound
// what it reads.
type Fetcher func(ctx context.Context, path string) ([]byte, error)

// Client verifies what a log serves: checkpoints against the log key (and
// witness keys), consistency between checkpoints and entries against a
// checkpoint, fetching only tiles and authenticating each against the
// checkpoint's root (tlog.TileHashReader).
type Client struct {
	Fetch     Fetcher
	LogKey    note.Verifier
	Witnesses []note.Verifier
}

// Checkpoint fetches and verifies the current checkpoint.
func (c *Client) Checkpoint(ctx context.Context) (Signed, []byte, error) {
	msg, err := c.Fetch(ctx, "checkpoint")
	if err != nil {
		return Signed{}, nil, fmt.Errorf("fetch checkpoint: %w", err)
	}
	s, err := OpenCheckpoint(msg, c.LogKey, c.Witnesses...)
	if err != nil {
		return Signed{}, nil, err
	}
	return s, msg, nil
}

// RequireQuorum fails unless at least k of the client's witnesses
// cosigned s.
func (c *Client) RequireQuorum(s Signed, k int) error {
	if got := s.CosignedBy(c.Witnesses); got < k {
		return fmt.Errorf("%w: %d of the %d configured witnesses cosigned the checkpoint of size %d, %d required",
			ErrQuorum, got, len(c.Witnesses), s.Size, k)
	}
	return nil
}

// Consistent checks that next extends old: the same tree when the sizes
// are equal, a proven RFC 6962 consistency when next is larger; a smaller
// next is a rollback.
func (c *Client) Consistent(ctx context.Context, old, next Checkpoint) error {
	switch {
	case old.Origin != next.Origin:
		return fmt.Errorf("%w: origin %q, trusted %q", ErrInconsistent, next.Origin, old.Origin)
	case next.Size < old.Size:
		return fmt.Errorf("%w: log rolled back: size %d is smaller than the trusted size %d", ErrInconsistent, next.Size, old.Size)
	case next.Size == old.Size:
		if next.Hash != old.Hash {
			return fmt.Errorf("%w: split view: two different trees of size %d (root %s, trusted %s)", ErrInconsistent, next.Size, next.Hash, old.Hash)
		}
		return nil
	case old.Size == 0:
		return nil // the empty tree is a prefix of every tree
	}
	thr := tlog.TileHashReader(next.Tree(), &tileReader{ctx: ctx, fetch: c.Fetch})
	proof, err := tlog.ProveTree(next.Size, old.Size, thr)
	if err != nil {
		return fmt.Errorf("%w: no consistency proof from size %d to %d (history rewritten?): %w", ErrInconsistent, old.Size, next.Size, err)
	}
	if err := tlog.CheckTree(proof, next.Size, next.Hash, old.Size, old.Hash); err != nil {
		return fmt.Errorf("%w: history rewritten: the tree of size %d does not extend the trusted tree of size %d: %w", ErrInconsistent, next.Size, old.Size, err)
	}
	return nil
}

// Entry fetches entry index of the tree cp and checks it against the
// tree: its RFC 6962 leaf hash must be the tree's (authenticated) leaf.
func (c *Client) Entry(ctx context.Context, cp Checkpoint, index int64) ([]byte, error) {
	if index < 0 || index >= cp.Size {
		return nil, fmt.Errorf("%w: index %d is beyond the checkpoint's size %d", ErrNotInLog, index, cp.Size)
	}
	t := tlog.TileForIndex(TileHeight, tlog.StoredHashIndex(0, index))
	t.L = -1 // the entry bundle of the level-0 tile
	if end := cp.Size - t.N*TileWidth; end < TileWidth {
		t.W = int(end)
	} else {
		t.W = TileWidth
	}
	data, err := c.Fetch(ctx, "tile/"+TilePath(t))
	if err != nil {
		return nil, fmt.Errorf("%w: entry %d is missing from the log (its entry bundle is not served): %w", ErrNotInLog, index, err)
	}
	entries, err := DecodeBundle(data, t.W)
	if err != nil {
		return nil, fmt.Errorf("%w: entry bundle of %d: %w", ErrNotInLog, index, err)
	}
	entry := entries[index-t.N*TileWidth]
	thr := tlog.TileHashReader(cp.Tree(), &tileReader{ctx: ctx, fetch: c.Fetch})
	hs, err := thr.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
	if err != nil {
		return nil, fmt.Errorf("%w: leaf %d: %w", ErrNotInLog, index, err)
	}
	if tlog.RecordHash(entry) != hs[0] {
		return nil, fmt.Errorf("%w: the entry served for index %d is not the one the tree holds (altered entry)", ErrNotInLog, index)
	}
	return entry, nil
}

// CheckInclusion checks an RFC 6962 inclusion proof of entry at index in
// the tree cp.
func CheckInclusion(cp Checkpoint, index int64, entry []byte, proof []tlog.Hash) error {
	if err := tlog.CheckRecord(proof, cp.Size, cp.Hash, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("%w: entry %d in the tree of size %d: %w", ErrNotInLog, index, cp.Size, err)
	}
	return nil
}

// tileReader reads tlog-tiles over a Fetcher for tlog.TileHashReader,
// which authenticates every tile against the tree before using it.
type tileReader struct {
	ctx   context.Context
	fetch Fetcher
}

func (r *tileReader) Height() int { return TileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.fetch(r.ctx, "tile/"+TilePath(t))
		if err != nil {
			return nil, fmt.Errorf("fetch tile %s: %w", TilePath(t), err)
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s holds %d bytes, want %d", TilePath(t), len(data), t.W*tlog.HashSize)
		}
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}
