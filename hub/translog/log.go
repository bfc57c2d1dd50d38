package translog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Errors of the log service.
var (
	// ErrNoSuchTile: the tile or bundle is malformed or beyond the tree.
	ErrNoSuchTile = errors.New("no such tile")
	// ErrNoCheckpoint: the sequencer has not published a checkpoint yet.
	ErrNoCheckpoint = errors.New("no checkpoint published yet")
	// ErrCosignature: a submitted cosignature does not verify or names no
	// checkpoint this log published.
	ErrCosignature = errors.New("cosignature refused")
	// ErrPending: the entry is not in a published checkpoint yet.
	ErrPending = errors.New("entry not yet in a published checkpoint")
	// ErrEntryMissing: the tree covers an index whose entry is not stored
	// (storage was tampered with or damaged).
	ErrEntryMissing = errors.New("log entry missing from storage")
)

// Cosignature is one witness's signature line on one published checkpoint.
type Cosignature struct {
	Org  string // the participant that submitted it
	Key  string // the witness vkey
	Size int64  // the checkpoint's tree size
	Line string // "— <name> <base64>\n"
}

// Store is what the log service reads and writes (hub/postgres implements
// it).
type Store interface {
	// TreeSize is the number of hashed entries (tiles exist up to it).
	TreeSize(ctx context.Context) (int64, error)
	// ReadHashes returns stored hashes (tlog.StoredHashIndex indexes).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Entries returns count entries from start on; fewer means missing.
	Entries(ctx context.Context, start int64, count int) ([][]byte, error)
	// LatestCheckpoint returns the newest signed checkpoint and the
	// cosignature lines held for it; ErrNoCheckpoint when none.
	LatestCheckpoint(ctx context.Context) (signed []byte, size int64, cosignatures []string, err error)
	// CheckpointAt returns the signed checkpoint of that size, or
	// ErrNoCheckpoint.
	CheckpointAt(ctx context.Context, size int64) ([]byte, error)
	// SaveCosignature keeps c, replacing the org's earlier one for the
	// same size, and prunes the org's old ones.
	SaveCosignature(ctx context.Context, c Cosignature) error
}

// Log is the service behind the log's HTTP protocol.
type Log struct {
	Store Store
	// Keys verify the log's own signatures; Keys[0] is the current one.
	Keys []note.Verifier
	// VerifierKeys are the vkeys of Keys, in the same order.
	VerifierKeys []string
}

// Checkpoint returns the newest checkpoint with the cosignatures held
// for it appended.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	signed, _, cosigs, err := l.Store.LatestCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	return AppendSignatures(signed, cosigs...), nil
}

// Tile returns a hash tile or an entry bundle by its tlog-tiles path
// below "tile/", and whether it is a full (immutable) one.
func (l *Log) Tile(ctx context.Context, path string) ([]byte, bool, error) {
	t, err := ParseTilePath(path)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNoSuchTile, err)
	}
	size, err := l.Store.TreeSize(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("read tree size: %w", err)
	}
	level := max(t.L, 0)
	// hashes (or entries) at this level in the tree of size size
	avail := size >> (TileHeight * level)
	if t.N*TileWidth+int64(t.W) > avail {
		return nil, false, fmt.Errorf("%w: %s is beyond the tree of size %d", ErrNoSuchTile, path, size)
	}
	full := t.W == TileWidth
	if t.L == -1 {
		entries, err := l.Store.Entries(ctx, t.N*TileWidth, t.W)
		if err != nil {
			return nil, false, fmt.Errorf("read entries: %w", err)
		}
		if len(entries) != t.W {
			return nil, false, fmt.Errorf("%w: entries of %s: %d of %d stored", ErrNoSuchTile, path, len(entries), t.W)
		}
		b, err := EncodeBundle(entries)
		return b, full, err
	}
	data, err := tlog.ReadTileData(t, storeHashes{ctx, l.Store})
	if err != nil {
		return nil, false, fmt.Errorf("read tile %s: %w", path, err)
	}
	return data, full, nil
}

type storeHashes struct {
	ctx context.Context
	s   Store
}

func (h storeHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return h.s.ReadHashes(h.ctx, indexes)
}

// AddCosignature accepts a witness's cosignature from participant org:
// msg is a checkpoint this log published (the log's signature must
// verify and the body must be the stored one) carrying a cosignature/v1
// by vkey.
func (l *Log) AddCosignature(ctx context.Context, org, vkey string, msg []byte) (Cosignature, error) {
	w, err := NewCosignatureVerifier(vkey)
	if err != nil {
		return Cosignature{}, fmt.Errorf("%w: %w", ErrCosignature, err)
	}
	if len(l.Keys) == 0 {
		return Cosignature{}, errors.New("add cosignature: no log key")
	}
	s, err := OpenCheckpoint(msg, l.Keys[0], append([]note.Verifier{w}, l.Keys[1:]...)...)
	if err != nil {
		return Cosignature{}, fmt.Errorf("%w: %w", ErrCosignature, err)
	}
	var line string
	for _, sig := range s.Note.Sigs {
		if sig.Name == w.Name() && sig.Hash == w.KeyHash() {
			line = "— " + sig.Name + " " + sig.Base64 + "\n"
		}
	}
	if line == "" {
		return Cosignature{}, fmt.Errorf("%w: no signature by the witness key %s", ErrCosignature, w.Name())
	}
	published, err := l.Store.CheckpointAt(ctx, s.Size)
	if errors.Is(err, ErrNoCheckpoint) {
		return Cosignature{}, fmt.Errorf("%w: this log published no checkpoint of size %d", ErrCosignature, s.Size)
	}
	if err != nil {
		return Cosignature{}, fmt.Errorf("read checkpoint %d: %w", s.Size, err)
	}
	if body, _, ok := bytes.Cut(published, []byte("\n\n")); !ok || string(body)+"\n" != s.Note.Text {
		return Cosignature{}, fmt.Errorf("%w: the checkpoint of size %d is not the one this log published", ErrCosignature, s.Size)
	}
	c := Cosignature{Org: org, Key: vkey, Size: s.Size, Line: line}
	if err := l.Store.SaveCosignature(ctx, c); err != nil {
		return Cosignature{}, fmt.Errorf("save cosignature: %w", err)
	}
	return c, nil
}

// Inclusion is the proof that an entry is in a published checkpoint.
type Inclusion struct {
	Index      int64
	Entry      []byte
	Checkpoint []byte // signed, as published
	Size       int64
	Proof      []tlog.Hash
}

// Prove returns the inclusion proof of entry index in the newest
// checkpoint; ErrPending when that checkpoint does not cover it yet.
func (l *Log) Prove(ctx context.Context, index int64) (Inclusion, error) {
	signed, size, _, err := l.Store.LatestCheckpoint(ctx)
	if err != nil {
		return Inclusion{}, fmt.Errorf("prove entry %d: %w", index, err)
	}
	if index >= size {
		return Inclusion{}, fmt.Errorf("prove entry %d: %w (checkpoint size %d)", index, ErrPending, size)
	}
	proof, err := tlog.ProveRecord(size, index, storeHashes{ctx, l.Store})
	if err != nil {
		return Inclusion{}, fmt.Errorf("prove entry %d: %w", index, err)
	}
	entries, err := l.Store.Entries(ctx, index, 1)
	if err != nil {
		return Inclusion{}, fmt.Errorf("prove entry %d: %w", index, err)
	}
	if len(entries) != 1 {
		return Inclusion{}, fmt.Errorf("prove entry %d: %w", index, ErrEntryMissing)
	}
	return Inclusion{Index: index, Entry: entries[0], Checkpoint: signed, Size: size, Proof: proof}, nil
}

// Cosign returns the cosignature line of signer on the checkpoint s.
func Cosign(s Signed, signer note.Signer) (string, error) {
	msg, err := note.Sign(&note.Note{Text: s.Note.Text}, signer)
	if err != nil {
		return "", fmt.Errorf("cosign checkpoint: %w", err)
	}
	_, sigs, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return "", errors.New("cosign checkpoint: malformed note")
	}
	return string(sigs), nil
}

// Status is what the log's metrics show: how many entries are committed
// to the log, and the size and age of the newest checkpoint. Entries
// beyond the checkpoint's size for long mean the sequencer is stuck.
type Status struct {
	Entries        int64         // entries committed (hashed or not)
	CheckpointSize int64         // 0 with no checkpoint
	CheckpointAge  time.Duration // by the database's clock; 0 with no checkpoint
	HasCheckpoint  bool
}

// StatusReader reads the log's Status; the metrics adapter (hub/metrics)
// asks it at each scrape.
type StatusReader interface {
	LogStatus(ctx context.Context) (Status, error)
}
