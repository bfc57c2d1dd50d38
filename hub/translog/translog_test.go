package translog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/auth/jcs"
)

func TestParseCheckpoint(t *testing.T) {
	h := "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"example.com/log\n0\n" + h + "\n", true},
		{"example.com/log\n20852163\n" + h + "\next\n", true},
		{"example.com/log\n20852163\n" + h, false},       // no final newline
		{"\n1\n" + h + "\n", false},                      // empty origin
		{"example.com/log\n01\n" + h + "\n", false},      // leading zero
		{"example.com/log\n-1\n" + h + "\n", false},      // negative
		{"example.com/log\n1\nAAAA\n", false},            // short hash
		{"example.com/log\n1\n" + h + "\n\n", false},     // empty extension line
		{"example.com/log\n1\n" + h[:43] + "_\n", false}, // not base64
	} {
		_, err := ParseCheckpoint(tc.text)
		if (err == nil) != tc.ok {
			t.Errorf("ParseCheckpoint(%q) = %v, want ok %v", tc.text, err, tc.ok)
		}
	}
}

func TestTilePaths(t *testing.T) {
	for _, tc := range []struct {
		path string
		tile tlog.Tile
		ok   bool
	}{
		{"0/000", tlog.Tile{H: 8, L: 0, N: 0, W: 256}, true},
		{"1/x001/234.p/7", tlog.Tile{H: 8, L: 1, N: 1234, W: 7}, true},
		{"entries/x001/x234/067", tlog.Tile{H: 8, L: -1, N: 1234067, W: 256}, true},
		{"entries/000.p/255", tlog.Tile{H: 8, L: -1, N: 0, W: 255}, true},
		{"0/000.p/256", tlog.Tile{}, false},
		{"0/000.p/0", tlog.Tile{}, false},
		{"0/0", tlog.Tile{}, false},
		{"0/1234", tlog.Tile{}, false},
		{"64/000", tlog.Tile{}, false},
		{"00/000", tlog.Tile{}, false},
		{"data/000", tlog.Tile{}, false},
		{"0/x000/001", tlog.Tile{}, false}, // not canonical
		{"../000", tlog.Tile{}, false},
	} {
		got, err := ParseTilePath(tc.path)
		if (err == nil) != tc.ok || tc.ok && got != tc.tile {
			t.Errorf("ParseTilePath(%q) = %+v, %v", tc.path, got, err)
		}
		if tc.ok && TilePath(got) != tc.path {
			t.Errorf("TilePath(%+v) = %q, want %q", got, TilePath(got), tc.path)
		}
	}
}

func TestBundle(t *testing.T) {
	es := [][]byte{[]byte(`{"a":1}`), {}, bytes.Repeat([]byte("x"), MaxEntryBytes)}
	b, err := EncodeBundle(es)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBundle(b, 3)
	if err != nil || len(got) != 3 || !bytes.Equal(got[2], es[2]) {
		t.Fatalf("DecodeBundle = %d, %v", len(got), err)
	}
	if _, err := DecodeBundle(b, 2); err == nil {
		t.Error("a bundle of 3 decoded as 2")
	}
	if _, err := DecodeBundle(b[:len(b)-1], 3); err == nil {
		t.Error("a truncated bundle decoded")
	}
	if _, err := EncodeBundle([][]byte{make([]byte, MaxEntryBytes+1)}); err == nil {
		t.Error("an oversized entry encoded")
	}
}

func TestCosignature(t *testing.T) {
	skey, vkey, err := GenerateWitnessKey("witness.example/w1")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1679315147, 0)
	c, err := NewCosigner(skey, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if c.Verifier() != vkey {
		t.Fatalf("Verifier() = %q, want %q", c.Verifier(), vkey)
	}
	v, err := NewCosignatureVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	logS, logV, err := GenerateLogKey("example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := note.NewSigner(logS)
	lv, _ := note.NewVerifier(logV)
	msg, err := SignCheckpoint(Checkpoint{Origin: "example.com/log", Size: 5, Hash: sha256.Sum256([]byte("x"))}, ls)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenCheckpoint(msg, lv)
	if err != nil {
		t.Fatal(err)
	}
	line, err := Cosign(s, c)
	if err != nil {
		t.Fatal(err)
	}
	cosigned := AppendSignatures(msg, line)
	s2, err := OpenCheckpoint(cosigned, lv, v)
	if err != nil {
		t.Fatal(err)
	}
	if s2.CosignedBy([]note.Verifier{v}) != 1 {
		t.Fatal("cosignature not counted")
	}
	// The signed message is C2SP's: "cosignature/v1", the time line, the
	// body; the signature is the big-endian timestamp and Ed25519's.
	sig := mustSig(t, line)
	pub, _ := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if binary.BigEndian.Uint64(sig) != 1679315147 ||
		!ed25519.Verify(pub[1:], []byte("cosignature/v1\ntime 1679315147\n"+s.Note.Text), sig[8:]) {
		t.Fatal("the cosignature is not cosignature/v1 over the checkpoint body")
	}
	tampered := bytes.Replace(cosigned, []byte("\n5\n"), []byte("\n6\n"), 1)
	if _, err := OpenCheckpoint(tampered, lv, v); err == nil {
		t.Fatal("a tampered checkpoint opened")
	}
	for _, bad := range []string{"", "a+b", vkey[:len(vkey)-4], strings.Replace(vkey, "+", "+0", 1), logV} {
		if _, err := NewCosignatureVerifier(bad); err == nil {
			t.Errorf("NewCosignatureVerifier(%q) accepted", bad)
		}
	}
	if _, err := NewCosigner(logS, nil); err == nil {
		t.Error("a note (type 0x01) key accepted as a witness key")
	}
}

// mustSig extracts the signature bytes (after the 4-byte key hash) of a
// signature line.
func mustSig(t *testing.T, line string) []byte {
	t.Helper()
	n, err := note.Open([]byte("x\n\n"+line), note.VerifierList())
	var unk *note.UnverifiedNoteError
	if !errors.As(err, &unk) || n != nil || len(unk.Note.UnverifiedSigs) != 1 {
		t.Fatalf("line %q: %v", line, err)
	}
	raw := unk.Note.UnverifiedSigs[0].Base64
	b, err := base64Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b[4:]
}

// memStore is an in-memory Store, SequencerStore and Round.
type memStore struct {
	mu          sync.Mutex
	entries     [][]byte
	hashes      []tlog.Hash
	size        int64
	checkpoints map[int64][]byte
	last        int64
	lastAt      time.Time
	cosigs      []Cosignature
}

func (m *memStore) SequenceRound(ctx context.Context, fn func(ctx context.Context, r Round) error) (bool, error) {
	if !m.mu.TryLock() {
		return false, nil
	}
	defer m.mu.Unlock()
	return true, fn(ctx, m)
}
func (m *memStore) TreeSize(context.Context) (int64, error) { return m.size, nil }
func (m *memStore) Entries(_ context.Context, start int64, n int) ([][]byte, error) {
	end := min(start+int64(n), int64(len(m.entries)))
	if start >= end {
		return nil, nil
	}
	return m.entries[start:end], nil
}
func (m *memStore) RecordHashes(ctx context.Context, start int64, n int) ([]tlog.Hash, error) {
	es, _ := m.Entries(ctx, start, n)
	out := make([]tlog.Hash, len(es))
	for i, e := range es {
		out[i] = tlog.RecordHash(e)
	}
	return out, nil
}
func (m *memStore) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("hash %d not stored", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}
func (m *memStore) AppendHashes(_ context.Context, start int64, hs []tlog.Hash, size int64) error {
	if start != int64(len(m.hashes)) {
		return fmt.Errorf("append at %d, have %d", start, len(m.hashes))
	}
	m.hashes, m.size = append(m.hashes, hs...), size
	return nil
}
func (m *memStore) LastCheckpoint(context.Context) (int64, time.Duration, bool, error) {
	if m.checkpoints == nil {
		return 0, 0, false, nil
	}
	return m.last, time.Since(m.lastAt), true, nil
}
func (m *memStore) SaveCheckpoint(_ context.Context, c Checkpoint, signed []byte) error {
	if m.checkpoints == nil {
		m.checkpoints = map[int64][]byte{}
	}
	m.checkpoints[c.Size], m.last, m.lastAt = signed, c.Size, time.Now()
	return nil
}
func (m *memStore) LatestCheckpoint(context.Context) ([]byte, int64, []string, error) {
	if m.checkpoints == nil {
		return nil, 0, nil, ErrNoCheckpoint
	}
	var lines []string
	for _, c := range m.cosigs {
		if c.Size == m.last {
			lines = append(lines, c.Line)
		}
	}
	return m.checkpoints[m.last], m.last, lines, nil
}
func (m *memStore) CheckpointAt(_ context.Context, size int64) ([]byte, error) {
	if c, ok := m.checkpoints[size]; ok {
		return c, nil
	}
	return nil, ErrNoCheckpoint
}
func (m *memStore) SaveCosignature(_ context.Context, c Cosignature) error {
	m.cosigs = append(m.cosigs, c)
	return nil
}

// The sequencer, the log service and the client together: what the
// client verifies through tiles is what the sequencer built.
func TestSequencerAndClient(t *testing.T) {
	ctx := context.Background()
	skey, vkey, _ := GenerateLogKey("example.com/log")
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	m := &memStore{}
	seq := &Sequencer{Store: m, Origin: "example.com/log", Signers: []note.Signer{signer}, Interval: time.Nanosecond, Batch: 100}
	log := &Log{Store: m, Keys: []note.Verifier{verifier}, VerifierKeys: []string{vkey}}
	c := &Client{LogKey: verifier, Fetch: func(ctx context.Context, p string) ([]byte, error) {
		switch {
		case p == "checkpoint":
			return log.Checkpoint(ctx)
		case strings.HasPrefix(p, "tile/"):
			b, _, err := log.Tile(ctx, strings.TrimPrefix(p, "tile/"))
			return b, err
		}
		return nil, errors.New("no such path")
	}}
	if _, err := seq.Step(ctx); err != nil {
		t.Fatal(err)
	}
	empty, _, err := c.Checkpoint(ctx)
	if err != nil || empty.Size != 0 || empty.Hash != sha256.Sum256(nil) {
		t.Fatalf("empty checkpoint %+v, %v", empty, err)
	}
	var seen []Checkpoint
	for _, grow := range []int{1, 255, 1, 300, 70000 - 557} {
		for range grow {
			m.entries = append(m.entries, fmt.Appendf(nil, `{"n":%d}`, len(m.entries)))
		}
		for {
			res, err := seq.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Size == int64(len(m.entries)) && !res.Checkpoint && res.Hashed == 0 {
				break
			}
		}
		cur, _, err := c.Checkpoint(ctx)
		if err != nil || cur.Size != int64(len(m.entries)) {
			t.Fatalf("checkpoint %d, %v; want %d", cur.Size, err, len(m.entries))
		}
		for _, old := range seen {
			if err := c.Consistent(ctx, old, cur.Checkpoint); err != nil {
				t.Fatalf("%d → %d: %v", old.Size, cur.Size, err)
			}
		}
		seen = append(seen, cur.Checkpoint)
		for _, i := range []int64{0, cur.Size / 2, cur.Size - 1} {
			e, err := c.Entry(ctx, cur.Checkpoint, i)
			if err != nil || !bytes.Equal(e, m.entries[i]) {
				t.Fatalf("entry %d: %s, %v", i, e, err)
			}
			in, err := log.Prove(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckInclusion(cur.Checkpoint, i, in.Entry, in.Proof); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A tree of the same size with another root, a smaller tree, another
	// origin: each is caught.
	last := seen[len(seen)-1]
	forked := last
	forked.Hash[0] ^= 1
	for _, tc := range []struct {
		next Checkpoint
		want string
	}{
		{forked, "split view"},
		{seen[1], "rolled back"},
		{Checkpoint{Origin: "other", Size: last.Size, Hash: last.Hash}, "origin"},
	} {
		if err := c.Consistent(ctx, last, tc.next); !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Consistent(%d → %d) = %v, want %q", last.Size, tc.next.Size, err, tc.want)
		}
	}
	forked = seen[2]
	forked.Hash[0] ^= 1
	if err := c.Consistent(ctx, forked, last); !errors.Is(err, ErrInconsistent) || !strings.Contains(err.Error(), "history rewritten") {
		t.Errorf("Consistent from a forked tree = %v", err)
	}
	// Tiles beyond the tree are not served.
	if _, _, err := log.Tile(ctx, "0/x001/000"); !errors.Is(err, ErrNoSuchTile) {
		t.Errorf("tile beyond the tree: %v", err)
	}
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// The direct encoder of object entries writes exactly what auth/jcs
// makes of the same members, for plain and for escaped values.
func TestObjectEntryCanonical(t *testing.T) {
	base := ObjectVersion{ID: "indicator--0c000000-0000-4000-8000-000001000001", Modified: "2026-01-01T00:00:00.123456789Z",
		SHA256: sha256.Sum256([]byte("o")), KID: "kid-1", Signature: "eyJhbGciOiJFZERTQSJ9..c2ln",
		Creator: "identity--11111111-1111-4111-8111-111111111111", Submission: "submission--1", Received: time.Date(2026, 4, 1, 9, 30, 0, 123456789, time.UTC)}
	for _, mod := range []string{base.Modified, `2026"\` + "\u2028é\x01"} {
		v := base
		v.Modified = mod
		fast, err := ObjectEntry(v)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := objectEntrySlow(v)
		if err != nil {
			t.Fatal(err)
		}
		canon, err := jcs.Transform(fast)
		if err != nil || !bytes.Equal(canon, fast) || !bytes.Equal(fast, slow) {
			t.Fatalf("entry not canonical:\n%s\n%s\n%s (%v)", fast, slow, canon, err)
		}
		if !strings.Contains(string(fast), `"received":"2026-04-01T09:30:00.123456Z"`) {
			t.Fatalf("received not at microseconds: %s", fast)
		}
	}
}
