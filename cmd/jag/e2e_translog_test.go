package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// The independent verifier: it trusts only the hub's log key and uses
// only golang.org/x/mod/sumdb/note and /tlog for the log (plus RFC 8785
// canonicalisation, auth/jcs, to hash the objects it reads), none of the
// hub's log code. It speaks C2SP tlog-checkpoint and tlog-tiles.
type indepVerifier struct {
	t      *testing.T
	base   string // replica URL
	token  string
	logKey note.Verifier
}

func (v *indepVerifier) get(path string) ([]byte, int) {
	v.t.Helper()
	req, _ := http.NewRequest("GET", v.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+v.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return b, resp.StatusCode
}

// checkpoint fetches and verifies the checkpoint: the log's Ed25519
// signature, origin = key name, three lines.
func (v *indepVerifier) checkpoint() tlog.Tree {
	v.t.Helper()
	msg, code := v.get("/v1/log/checkpoint")
	if code != 200 {
		v.t.Fatalf("checkpoint: %d %s", code, msg)
	}
	n, err := note.Open(msg, note.VerifierList(v.logKey))
	if err != nil {
		v.t.Fatalf("checkpoint signature: %v\n%s", err, msg)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != v.logKey.Name() || lines[3] != "" {
		v.t.Fatalf("checkpoint body %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		v.t.Fatal(err)
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != 32 {
		v.t.Fatalf("root %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], h)
	return tree
}

// tiles is a tlog.TileReader over C2SP paths ("tile/8/..." of
// golang.org/x/mod becomes "tile/...", "data" becomes "entries").
type tiles struct{ v *indepVerifier }

func (tiles) Height() int { return 8 }

func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	return "/v1/log/tile/" + strings.Replace(p, "data/", "entries/", 1)
}

func (r tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		b, code := r.v.get(c2spPath(t))
		if code != 200 {
			return nil, fmt.Errorf("tile %s: %d %s", c2spPath(t), code, b)
		}
		out[i] = b
	}
	return out, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// consistent proves that tree extends old.
func (v *indepVerifier) consistent(old, tree tlog.Tree) {
	v.t.Helper()
	if old.N == 0 || old.N == tree.N {
		if old.N == tree.N && old.Hash != tree.Hash {
			v.t.Fatalf("two trees of size %d", old.N)
		}
		return
	}
	thr := tlog.TileHashReader(tree, tiles{v})
	p, err := tlog.ProveTree(tree.N, old.N, thr)
	if err != nil {
		v.t.Fatal(err)
	}
	if err := tlog.CheckTree(p, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		v.t.Fatalf("tree %d does not extend tree %d: %v", tree.N, old.N, err)
	}
}

// entries reads every entry of tree from the entry bundles and checks
// each against the tree's authenticated leaf hashes.
func (v *indepVerifier) entries(tree tlog.Tree) [][]byte {
	v.t.Helper()
	thr := tlog.TileHashReader(tree, tiles{v})
	var out [][]byte
	for start := int64(0); start < tree.N; start += 256 {
		w := min(256, tree.N-start)
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		b, code := v.get(c2spPath(t))
		if code != 200 {
			v.t.Fatalf("bundle %s: %d %s", c2spPath(t), code, b)
		}
		idx := make([]int64, w)
		for i := range idx {
			idx[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		leaves, err := thr.ReadHashes(idx)
		if err != nil {
			v.t.Fatal(err)
		}
		for i := range w {
			if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
				v.t.Fatalf("bundle %s truncated", c2spPath(t))
			}
			n := int(binary.BigEndian.Uint16(b))
			e := b[2 : 2+n]
			b = b[2+n:]
			if tlog.RecordHash(e) != leaves[i] {
				v.t.Fatalf("entry %d does not hash to its leaf", start+i)
			}
			out = append(out, e)
		}
		if len(b) != 0 {
			v.t.Fatalf("bundle %s has trailing bytes", c2spPath(t))
		}
	}
	return out
}

// allVersions lists every visible version through GET /v1/objects (the
// history, every page) and GET /v1/objects/{id}?version=all.
func (v *indepVerifier) allVersions() [][]byte {
	v.t.Helper()
	ids := map[string]bool{}
	next := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if next != "" {
			q.Set("next", next)
		}
		b, code := v.get("/v1/objects?" + q.Encode())
		if code != 200 {
			v.t.Fatalf("search: %d %s", code, b)
		}
		var page struct {
			Objects []struct {
				ID string `json:"id"`
			} `json:"objects"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			v.t.Fatal(err)
		}
		for _, o := range page.Objects {
			ids[o.ID] = true
		}
		if page.Next == "" {
			break
		}
		next = page.Next
	}
	var out [][]byte
	for id := range ids {
		b, code := v.get("/v1/objects/" + id + "?version=all")
		if code != 200 {
			v.t.Fatalf("versions of %s: %d %s", id, code, b)
		}
		var all struct {
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(b, &all); err != nil {
			v.t.Fatal(err)
		}
		for _, o := range all.Objects {
			out = append(out, o)
		}
	}
	return out
}

// logKeyOf fetches GET /v1/log/key and checks it against the key the
// database holds (the test's out-of-band channel).
func logKeyOf(t *testing.T, w *world, base, token string) string {
	t.Helper()
	var stored string
	if err := w.db.SQLX().Get(&stored, `SELECT vkey FROM log_keys WHERE retired_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	a := hubGet(t, base+"/v1/log/key", token)
	if a.Status != 200 || strings.TrimSpace(string(a.Raw)) != stored {
		t.Fatalf("GET /v1/log/key: %d %q, stored %q", a.Status, a.Raw, stored)
	}
	return stored
}

// waitForSize waits until the checkpoint covers every stored entry.
func waitForSize(t *testing.T, w *world, v *indepVerifier) tlog.Tree {
	t.Helper()
	var want int64
	if err := w.db.SQLX().Get(&want, `SELECT coalesce(max(first_idx + count), 0) FROM log_batches`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		// 503 until the sequencer's first checkpoint after a start.
		if _, code := v.get("/v1/log/checkpoint"); code == 503 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		tree := v.checkpoint()
		if tree.N == want {
			return tree
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint size %d, want %d", tree.N, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Three replicas, concurrent writers: an independent verifier checks
// every checkpoint's signature, consistency between successive
// checkpoints, and that every object version the hub serves is in the
// log with an entry that commits to its bytes.
func TestTransparencyLogIndependentVerifier(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	replicas := startReplicas(t, 3, w.dbURL, "--log-checkpoint-interval", "100ms", "--log-poll-interval", "50ms")
	token := w.tokens["a"]
	v := &indepVerifier{t: t, base: replicas[0].URL, token: token}
	lk, err := note.NewVerifier(logKeyOf(t, w, replicas[0].URL, token))
	if err != nil {
		t.Fatal(err)
	}
	v.logKey = lk

	// Writers: 6 goroutines, 4 bundles each, to the replicas in turn; each
	// bundle holds 3 new indicators and a new version of an earlier one.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev string
			for i := range 4 {
				objs := []string{
					w.signedIndicator(e2eOrgA, fmt.Sprintf("w%d-%d-a.example", g, i)),
					w.signedIndicator(e2eOrgA, fmt.Sprintf("w%d-%d-b.example", g, i)),
					w.signedIndicator(e2eOrgA, fmt.Sprintf("w%d-%d-c.example", g, i)),
				}
				if prev != "" {
					objs = append(objs, prev)
				}
				id := w.id("indicator")
				first := indicatorOf(e2eOrgA, id, fmt.Sprintf("2026-01-0%dT00:00:00.000Z", i+1), "[domain-name:value = 'v.example']", "")
				objs = append(objs, w.sign(e2eOrgA, first))
				prev = w.sign(e2eOrgA, indicatorOf(e2eOrgA, id, fmt.Sprintf("2026-02-0%dT00:00:00.000Z", i+1), "[domain-name:value = 'v2.example']", ""))
				a, err := w.tryPost(replicas[(g+i)%3].URL, "a", stixContentType, []byte(w.bundle(objs...)))
				if err == nil && a.Status != 201 {
					err = fmt.Errorf("status %d %s", a.Status, a.Raw)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Meanwhile: successive checkpoints, each consistent with the last.
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	var seen []tlog.Tree
	for running := true; running; {
		select {
		case <-writersDone:
			running = false
		case <-time.After(30 * time.Millisecond):
		}
		seen = append(seen, v.checkpoint())
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	final := waitForSize(t, w, v)
	seen = append(seen, final)
	grew := 0
	for i := 1; i < len(seen); i++ {
		if seen[i].N < seen[i-1].N {
			t.Fatalf("checkpoint size went back from %d to %d", seen[i-1].N, seen[i].N)
		}
		if seen[i].N > seen[i-1].N {
			grew++
		}
		v.consistent(seen[i-1], seen[i])
	}
	if grew < 2 {
		t.Fatalf("only %d growing checkpoints seen among %d", grew, len(seen))
	}
	// Every replica's metrics show the shared log: all entries, and the
	// newest checkpoint covering them.
	for _, r := range replicas {
		m := scrape(t, r.URL, w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin))
		if m["jag_log_size"] != float64(final.N) || m["jag_log_checkpoint_size"] != float64(final.N) {
			t.Errorf("replica %s: jag_log_size %v, jag_log_checkpoint_size %v, want %d", r.URL, m["jag_log_size"], m["jag_log_checkpoint_size"], final.N)
		}
		if age, ok := m["jag_log_checkpoint_age_seconds"]; !ok || age < 0 || age > 60 {
			t.Errorf("replica %s: jag_log_checkpoint_age_seconds %v (present %v)", r.URL, age, ok)
		}
	}
	// The same tree from every replica.
	for _, r := range replicas[1:] {
		other := (&indepVerifier{t: t, base: r.URL, token: token, logKey: lk}).checkpoint()
		if other != final {
			t.Fatalf("replica %s serves tree %d %s, replica 0 %d %s", r.URL, other.N, other.Hash, final.N, final.Hash)
		}
	}

	// Every entry, authenticated, and every served version in it.
	entries := v.entries(final)
	logged := map[string]int{}
	kinds := map[string]int{}
	for _, e := range entries {
		var m map[string]any
		if err := json.Unmarshal(e, &m); err != nil {
			t.Fatal(err)
		}
		canon, err := jcs.Transform(e)
		if err != nil || !bytes.Equal(canon, e) {
			t.Fatalf("entry is not RFC 8785 canonical: %s", e)
		}
		kinds[m["kind"].(string)]++
		if m["kind"] == "object" {
			logged[m["sha256"].(string)]++
		}
	}
	versions := v.allVersions()
	// 6 writers × 4 bundles × (3 + 1 first version) + 6 × 3 later versions
	if want := 6*4*4 + 6*3; len(versions) != want {
		t.Fatalf("%d versions served, want %d", len(versions), want)
	}
	for _, raw := range versions {
		canon, err := jcs.Transform(raw)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(canon)
		if logged[hex.EncodeToString(sum[:])] != 1 {
			t.Fatalf("version %.120s is logged %d times, want once", raw, logged[hex.EncodeToString(sum[:])])
		}
	}
	if kinds["object"] != len(versions) || kinds["participant"] != 2 || kinds["key"] != 2 {
		t.Fatalf("entry kinds %v, want %d objects, 2 participants, 2 keys", kinds, len(versions))
	}

	// Provenance carries an RFC 6962 inclusion proof against a signed
	// checkpoint; tlog.CheckRecord verifies it.
	var id, modified string
	if err := json.Unmarshal(versions[0], &struct {
		ID       *string `json:"id"`
		Modified *string `json:"modified"`
	}{&id, &modified}); err != nil {
		t.Fatal(err)
	}
	a := hubGet(t, replicas[2].URL+"/v1/objects/"+id+"/provenance?version="+url.QueryEscape(modified), token)
	var prov struct {
		Log struct {
			Index      int64    `json:"index"`
			Entry      []byte   `json:"entry"`
			Checkpoint string   `json:"checkpoint"`
			Proof      [][]byte `json:"proof"`
		} `json:"log"`
	}
	if err := json.Unmarshal(a.Raw, &prov); err != nil || a.Status != 200 {
		t.Fatalf("provenance: %d %s", a.Status, a.Raw)
	}
	n, err := note.Open([]byte(prov.Log.Checkpoint), note.VerifierList(lk))
	if err != nil {
		t.Fatalf("provenance checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	root, _ := base64.StdEncoding.DecodeString(lines[2])
	var rh tlog.Hash
	copy(rh[:], root)
	proof := make(tlog.RecordProof, len(prov.Log.Proof))
	for i, p := range prov.Log.Proof {
		copy(proof[i][:], p)
	}
	if err := tlog.CheckRecord(proof, size, rh, prov.Log.Index, tlog.RecordHash(prov.Log.Entry)); err != nil {
		t.Fatalf("provenance inclusion proof: %v", err)
	}
	if !bytes.Equal(prov.Log.Entry, entries[prov.Log.Index]) {
		t.Fatal("provenance entry differs from the tiles' entry")
	}
}
