package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/hub/translog"
)

// memoryTree hashes entries with golang.org/x/mod/sumdb/tlog in memory:
// the reference the stored tree must equal.
func memoryTree(t *testing.T, entries [][]byte) tlog.Hash {
	t.Helper()
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, r)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	root, err := translog.TreeHash(int64(len(entries)), r)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// sequenceAll steps the sequencer until its tree covers want entries and
// a checkpoint of that size is published.
func sequenceAll(t *testing.T, seq *translog.Sequencer, db *postgres.DB, want int64) {
	t.Helper()
	for range 100 {
		if _, err := seq.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, size, _, err := db.LatestCheckpoint(context.Background()); err == nil && size == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no checkpoint of size %d", want)
}

func TestTransparencyLog(t *testing.T) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		db := ingestDB(t)
		// Concurrent submissions and key registrations share one gap-free
		// order: the feed's.
		var wg sync.WaitGroup
		subs := make([]*hub.NewSubmission, 12)
		errs := make([]error, len(subs)+3)
		for i := range subs {
			subs[i] = newSubmission(submitter,
				version(fmt.Sprintf("indicator--0b000000-0000-4000-8000-%012d", 3*i), t1, "x"),
				version(fmt.Sprintf("indicator--0b000000-0000-4000-8000-%012d", 3*i+1), t1, "y"),
				version(fmt.Sprintf("indicator--0b000000-0000-4000-8000-%012d", 3*i+2), t1, "z"))
		}
		for i := range subs {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = db.StoreSubmission(ctx, subs[i]) }()
		}
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				priv, err := auth.GenerateKey("EdDSA")
				if err == nil {
					var k auth.Key
					if k, err = auth.NewKey(rival, priv.Public(), time.Now()); err == nil {
						errs[len(subs)+i] = db.AddKey(ctx, k)
						return
					}
				}
				errs[len(subs)+i] = err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		const total = 12*3 + 3
		// Batches are contiguous, and ordered as their events are.
		var batches []struct {
			Batch string `db:"batch"`
			First int64  `db:"first_idx"`
			Count int64  `db:"count"`
			Seq   *int64 `db:"seq"`
		}
		if err := db.SQLX().Select(&batches, `
			SELECT b.batch, b.first_idx, b.count, (SELECT min(e.seq) FROM events e JOIN objects o
			    ON o.id = e.object_id AND o.modified = e.modified WHERE o.submission = b.batch) AS seq
			FROM log_batches b ORDER BY b.first_idx`); err != nil {
			t.Fatal(err)
		}
		next, lastSeq := int64(0), int64(0)
		for _, b := range batches {
			if b.First != next {
				t.Fatalf("batch %s starts at %d, want %d", b.Batch, b.First, next)
			}
			next += b.Count
			if b.Seq != nil {
				if *b.Seq < lastSeq {
					t.Fatalf("batch %s (seq %d) is logged after seq %d: log and feed orders differ", b.Batch, *b.Seq, lastSeq)
				}
				lastSeq = *b.Seq
			}
		}
		if next != total {
			t.Fatalf("%d entries, want %d", next, total)
		}

		// The sequencer hashes them (two replicas racing, one per round)
		// into the tree golang.org/x/mod/sumdb/tlog computes in memory.
		keys, err := translog.EnsureKeys(ctx, db, "test.example/log")
		if err != nil {
			t.Fatal(err)
		}
		seq := &translog.Sequencer{Store: db, Origin: keys.Origin, Signers: keys.Signers, Interval: time.Millisecond, Batch: 7}
		var ran [2]int
		wg = sync.WaitGroup{}
		for r := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					res, err := seq.Step(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if res.Ran {
						ran[r]++
					}
				}
			}()
		}
		wg.Wait()
		if ran[0]+ran[1] == 0 {
			t.Fatal("no sequencing round ran")
		}
		sequenceAll(t, seq, db, total)
		entries, err := db.Entries(ctx, 0, total+10)
		if err != nil || len(entries) != total {
			t.Fatalf("Entries: %d, %v", len(entries), err)
		}
		log := &translog.Log{Store: db, Keys: keys.Verifiers, VerifierKeys: keys.VKeys}
		msg, err := log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := translog.OpenCheckpoint(msg, keys.Verifiers[0])
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != total || cp.Hash != memoryTree(t, entries) {
			t.Fatalf("checkpoint %d %s, want %d and the in-memory root", cp.Size, cp.Hash, total)
		}

		// Every version's position, from the submission and from
		// LogIndex, names its entry; its proof checks.
		for _, s := range subs {
			got, err := db.Submission(ctx, submitter, s.ID)
			if err != nil || len(got.Log) != 3 {
				t.Fatalf("Submission log %+v, %v", got.Log, err)
			}
			for i, p := range got.Log {
				if p.ID != s.Objects[i].ID {
					t.Fatalf("log position %d names %s, want %s", i, p.ID, s.Objects[i].ID)
				}
				idx, err := db.LogIndex(ctx, p.ID, p.Modified)
				if err != nil || idx != p.Index {
					t.Fatalf("LogIndex %d, %v; want %d", idx, err, p.Index)
				}
				want, err := translog.ObjectEntry(translog.ObjectVersion{ID: p.ID, Modified: p.Modified, SHA256: s.Objects[i].SHA256,
					KID: s.Objects[i].KID, Signature: s.Objects[i].Signature, Creator: submitter, Submission: s.ID, Received: s.Received})
				if err != nil || string(entries[p.Index]) != string(want) {
					t.Fatalf("entry %d = %s, want %s (%v)", p.Index, entries[p.Index], want, err)
				}
				in, err := log.Prove(ctx, p.Index)
				if err != nil {
					t.Fatal(err)
				}
				if err := translog.CheckInclusion(cp.Checkpoint, p.Index, in.Entry, in.Proof); err != nil {
					t.Fatal(err)
				}
			}
			// A retry answers the same positions.
			res, err := db.StoreSubmission(ctx, newSubmissionLike(s))
			if err != nil || !res.Replayed || len(res.Submission.Log) != 3 || res.Submission.Log[0] != got.Log[0] {
				t.Fatalf("replay %+v, %v", res, err)
			}
		}
		// Nothing was logged twice.
		if n, err := db.TreeSize(ctx); err != nil || n != total {
			t.Fatalf("tree size %d, %v", n, err)
		}
	})

	// Two replicas write; one sequences. Its own batches' leaf hashes come
	// from its memory, the other's from the stored bundles, and rounds
	// that end inside a batch resume in it: the tree is the one tlog
	// computes from the stored entries.
	t.Run("Replicas", func(t *testing.T) {
		url := pgtest.URL(t)
		var dbs [2]*postgres.DB
		for i := range dbs {
			db, err := postgres.Open(ctx, url, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			dbs[i] = db
		}
		if _, err := dbs[0].SQLX().Exec(`INSERT INTO participants (id, name, identity) VALUES ($1, 'x', '{}')`, submitter); err != nil {
			t.Fatal(err)
		}
		const n = 8
		for i := range n {
			if _, err := dbs[i%2].StoreSubmission(ctx, newSubmission(submitter,
				version(fmt.Sprintf("indicator--0c000000-0000-4000-8000-%012d", 2*i), t1, "x"),
				version(fmt.Sprintf("indicator--0c000000-0000-4000-8000-%012d", 2*i+1), t1, "y"))); err != nil {
				t.Fatal(err)
			}
		}
		keys, err := translog.EnsureKeys(ctx, dbs[0], "test.example/log")
		if err != nil {
			t.Fatal(err)
		}
		seq := &translog.Sequencer{Store: dbs[0], Origin: keys.Origin, Signers: keys.Signers, Interval: time.Millisecond, Batch: 3}
		sequenceAll(t, seq, dbs[0], 2*n)
		entries, err := dbs[0].Entries(ctx, 0, 2*n)
		if err != nil || len(entries) != 2*n {
			t.Fatalf("Entries: %d, %v", len(entries), err)
		}
		msg, _, _, err := dbs[1].LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := translog.OpenCheckpoint(msg, keys.Verifiers[0])
		if err != nil || cp.Hash != memoryTree(t, entries) {
			t.Fatalf("checkpoint %+v (%v), want the in-memory root of the stored entries", cp, err)
		}
	})

	t.Run("Off", func(t *testing.T) {
		url := pgtest.URL(t)
		db, err := postgres.Open(ctx, url, postgres.Options{NoTransparencyLog: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.SQLX().Exec(`INSERT INTO participants (id, name, identity) VALUES ($1, 'x', '{}')`, submitter); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "one"))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LogIndex(ctx, ind1, t1); !isNotFound(err) {
			t.Fatalf("LogIndex of an unlogged version: %v", err)
		}
		var n int
		if err := db.SQLX().Get(&n, `SELECT count(*) FROM log_batches`); err != nil || n != 0 {
			t.Fatalf("%d batches, %v", n, err)
		}
	})

	t.Run("Cosignatures", func(t *testing.T) {
		db := pgtest.New(t)
		for size := range int64(70) {
			if err := db.SaveCosignature(ctx, translog.Cosignature{Org: submitter, Key: "k", Size: size, Line: fmt.Sprintf("— w %d\n", size)}); err != nil {
				t.Fatal(err)
			}
		}
		// A replacement for the same size, from the same org.
		if err := db.SaveCosignature(ctx, translog.Cosignature{Org: submitter, Key: "k2", Size: 69, Line: "— w again\n"}); err != nil {
			t.Fatal(err)
		}
		var n, oldest int64
		if err := db.SQLX().QueryRow(`SELECT count(*), min(size) FROM log_cosignatures WHERE org = $1`, submitter).Scan(&n, &oldest); err != nil {
			t.Fatal(err)
		}
		if n != 64 || oldest != 6 {
			t.Fatalf("%d cosignatures kept from size %d, want 64 from 6", n, oldest)
		}
	})
}

// newSubmissionLike is a retry of s: the same org and digest, a new id.
func newSubmissionLike(s *hub.NewSubmission) *hub.NewSubmission {
	r := *s
	r.ID = s.ID[:len(s.ID)-4] + "ffff"
	return &r
}

func isNotFound(err error) bool { return errors.Is(err, hub.ErrNotFound) }

// A bundle travels as text, as it is when it is ASCII without NUL, else in
// bytea's escape format: whatever the entries hold (every byte value,
// backslashes, length prefixes with a zero, a backslash or a high byte,
// an empty entry), the stored bundle is exactly translog.EncodeBundle of
// them.
func TestWriteBatchStoresExactBundle(t *testing.T) {
	db := pgtest.New(t)
	all := make([]byte, 0, 512)
	for i := range 512 {
		all = append(all, byte(i))
	}
	ascii := func(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }
	object, err := translog.ObjectEntry(translog.ObjectVersion{ID: "indicator--0c000000-0000-4000-8000-000001000001",
		Modified: "2026-01-01T00:00:00.123Z", KID: "kid-1", Signature: "eyJhbGciOiJFZERTQSJ9..c2ln",
		Creator: submitter, Submission: "submission--1", Received: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		entries [][]byte
		asIs    bool
	}{
		{[][]byte{object, object, object}, true},
		{[][]byte{ascii(0x0141, 'a'), ascii(0x015c, '\\'), ascii(0x7f7f, 0x7f), ascii(0x0101, '\x01')}, true},
		{[][]byte{[]byte(`{"kind":"object"}`)}, false}, // a NUL in the length
		{[][]byte{all, []byte(`\\x41\101\`), {}, []byte("\\"), []byte("é\u2028\x00\x7f\x80\xff")}, false},
		{[][]byte{ascii(0x5c, '\\'), ascii(0x100, 'b'), ascii(0x7f, 'c'), ascii(0x80, 'd'), ascii(0xff, 'e')}, false},
		{[][]byte{ascii(0x0180, 'f')}, false}, // a high byte in the length
		{[][]byte{ascii(0x0141, 'g'), []byte("é")}, false},
		{[][]byte{make([]byte, translog.MaxEntryBytes)}, false},
	}
	for i, c := range cases {
		if got := postgres.LogBundleSentAsIs(c.entries); got != c.asIs {
			t.Fatalf("case %d: sent as it is %v, want %v", i, got, c.asIs)
		}
		tx, err := db.SQLX().Beginx()
		if err != nil {
			t.Fatal(err)
		}
		batch := fmt.Sprintf("registry--case%d", i)
		if err := postgres.WriteLogBatch(context.Background(), tx, batch, c.entries); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var got []byte
		if err := tx.Get(&got, `SELECT entries FROM log_bundles WHERE batch = $1`, batch); err != nil {
			t.Fatal(err)
		}
		_ = tx.Rollback()
		want, err := translog.EncodeBundle(c.entries)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: stored %d bytes, want the %d of the bundle", i, len(got), len(want))
		}
	}
	tx, err := db.SQLX().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := postgres.WriteLogBatch(context.Background(), tx, "registry--big", [][]byte{make([]byte, translog.MaxEntryBytes+1)}); !errors.Is(err, translog.ErrEntry) {
		t.Fatalf("an entry over MaxEntryBytes: %v, want ErrEntry", err)
	}
}

// A tree rolled back below hashes already stored (none in normal
// operation; a restore, or the tamper test's rewrite) is hashed again
// from there: the runs stored at and after the new round's start are
// replaced, whether one starts exactly there or later, and the result is
// the tree of the entries.
func TestSequencerReplacesRunsOfRolledBackTree(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	keys, err := translog.EnsureKeys(ctx, db, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	seq := &translog.Sequencer{Store: db, Origin: keys.Origin, Signers: keys.Signers, Interval: time.Nanosecond}
	// One round per submission: runs start at the stored-hash index of
	// sizes 0, 3, 4 and 6.
	sizes := []int{3, 1, 2, 2}
	total := 0
	for i, n := range sizes {
		objs := make([]hub.StoredObject, n)
		for j := range objs {
			objs[j] = version(fmt.Sprintf("indicator--0d000000-0000-4000-8000-%06d%06d", i, j), t1, "x")
		}
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter, objs...)); err != nil {
			t.Fatal(err)
		}
		total += n
		sequenceAll(t, seq, db, int64(total))
	}
	var runs int
	if err := db.SQLX().Get(&runs, `SELECT count(*) FROM log_hash_runs`); err != nil || runs != len(sizes) {
		t.Fatalf("%d hash runs (%v), want %d", runs, err, len(sizes))
	}
	entries, err := db.Entries(ctx, 0, total)
	if err != nil || len(entries) != total {
		t.Fatalf("Entries: %d, %v", len(entries), err)
	}
	want := memoryTree(t, entries)
	for _, back := range []int64{4, 3, 5} { // a run starts at 4's index and later; at 3's, between
		if _, err := db.SQLX().Exec(`UPDATE log_tree SET size = $1`, back); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQLX().Exec(`DELETE FROM log_checkpoints WHERE size > $1`, back); err != nil {
			t.Fatal(err)
		}
		res, err := seq.Step(ctx)
		if err != nil || res.Size != int64(total) || res.Hashed != total-int(back) {
			t.Fatalf("rolled back to %d: %+v, %v", back, res, err)
		}
		msg, err := (&translog.Log{Store: db, Keys: keys.Verifiers, VerifierKeys: keys.VKeys}).Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := translog.OpenCheckpoint(msg, keys.Verifiers[0])
		if err != nil || cp.Size != int64(total) || cp.Hash != want {
			t.Fatalf("rolled back to %d: checkpoint %d %s (%v), want %d and the in-memory root", back, cp.Size, cp.Hash, err, total)
		}
		var later int
		if err := db.SQLX().Get(&later, `SELECT count(*) FROM log_hash_runs WHERE start > $1`, tlog.StoredHashIndex(0, back)); err != nil || later != 0 {
			t.Fatalf("rolled back to %d: %d runs left after the new one (%v)", back, later, err)
		}
	}
}

// A bundle is sent as it is only when every byte is ASCII but NUL,
// wherever the first other byte stands.
func TestLogBundleSentAsIsOnlyWhenASCII(t *testing.T) {
	entry := bytes.Repeat([]byte{'a'}, 0x0141) // a length prefix of two ASCII bytes
	if !postgres.LogBundleSentAsIs([][]byte{entry, entry}) {
		t.Fatal("an ASCII bundle is escaped")
	}
	for _, c := range []byte{0x00, 0x80, 0xc3, 0xff} {
		for _, i := range append(rangeOf(0, 20), rangeOf(len(entry)-20, len(entry))...) {
			e := bytes.Clone(entry)
			e[i] = c
			if postgres.LogBundleSentAsIs([][]byte{entry, e}) {
				t.Fatalf("byte %#x at %d of the second entry: sent as it is", c, i)
			}
		}
	}
}

func rangeOf(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
