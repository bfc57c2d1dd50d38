package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/hub/translog"
)

// Tampering with what the hub stores or serves is caught by `jag log
// verify`, `jag log prove` or `jag witness`, each saying what it caught.
func TestTransparencyLogTamper(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL, "--log-checkpoint-interval", "100ms", "--log-poll-interval", "50ms")
	token := w.tokens["a"]
	vkey := logKeyOf(t, w, p.URL, token)
	lk, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	v := &indepVerifier{t: t, base: p.URL, token: token, logKey: lk}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	hubFlags := []string{"--server", p.URL, "--token", token}
	jag := func(args ...string) (int, string, string) {
		t.Helper()
		return runJag(t, "", args...)
	}
	logCmd := func(sub string, args ...string) (int, string, string) {
		t.Helper()
		full := append([]string{"log", sub}, hubFlags...)
		full = append(full, "--state", state)
		return jag(append(full, args...)...)
	}
	mustFail := func(what string, code int, stderr string, wants ...string) {
		t.Helper()
		if code == 0 {
			t.Fatalf("%s: exit 0, want a failure", what)
		}
		for _, want := range wants {
			if !strings.Contains(stderr, want) {
				t.Fatalf("%s: stderr %q does not say %q", what, stderr, want)
			}
		}
	}

	// Four indicators in one submission.
	ids := make([]string, 4)
	objs := make([]string, 4)
	for i := range ids {
		ids[i] = w.id("indicator")
		objs[i] = w.sign(e2eOrgA, indicatorOf(e2eOrgA, ids[i], "2026-01-01T00:00:00.000Z", fmt.Sprintf("[domain-name:value = 'tamper%d.example']", i), ""))
	}
	a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(objs...)))
	if a.Status != 201 {
		t.Fatalf("submit: %d %s", a.Status, a.Raw)
	}
	var sub struct {
		Submission string `json:"submission"`
		Log        []struct {
			ID    string `json:"id"`
			Index int64  `json:"index"`
		} `json:"log"`
	}
	if err := json.Unmarshal(a.Raw, &sub); err != nil {
		t.Fatal(err)
	}
	if len(sub.Log) != 4 {
		t.Fatalf("submission answer names %d log positions, want 4: %s", len(sub.Log), a.Raw)
	}
	index := map[string]int64{}
	for i, l := range sub.Log {
		if l.ID != ids[i] || i > 0 && l.Index != sub.Log[i-1].Index+1 {
			t.Fatalf("log positions %+v out of bundle order", sub.Log)
		}
		index[l.ID] = l.Index
	}
	tree := waitForSize(t, w, v)

	// Untampered: everything verifies.
	if code, out, errs := logCmd("verify", "--log-key", vkey); code != 0 || !strings.Contains(out, fmt.Sprintf(`"size":%d`, tree.N)) {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	for _, id := range ids {
		if code, out, errs := logCmd("prove", id+"@2026-01-01T00:00:00.000Z"); code != 0 || !strings.Contains(out, fmt.Sprintf(`"index":%d`, index[id])) {
			t.Fatalf("prove %s: %d %s %s", id, code, out, errs)
		}
	}
	if code, out, errs := logCmd("prove", "--submission", sub.Submission); code != 0 || strings.Count(out, "\n") != 4 {
		t.Fatalf("prove --submission: %d %s %s", code, out, errs)
	}

	// Two witnesses; a quorum of two needs both.
	// One witness per participant: the hub keeps one cosignature per
	// participant and checkpoint.
	witness := func(name, tokenName string) (string, func() (int, string, string)) {
		code, out, errs := jag("witness", "keygen", "--name", "witness.example/"+name, "--out", filepath.Join(dir, name+".key"))
		if code != 0 {
			t.Fatalf("witness keygen: %d %s", code, errs)
		}
		run := func() (int, string, string) {
			args := []string{"witness", "--server", p.URL, "--token", w.tokens[tokenName]}
			return jag(append(args, "--key", filepath.Join(dir, name+".key"), "--state", filepath.Join(dir, name+".json"), "--log-key", vkey)...)
		}
		return strings.TrimSpace(out), run
	}
	w1, runW1 := witness("w1", "a")
	w2, runW2 := witness("w2", "b")
	if code, out, errs := runW1(); code != 0 {
		t.Fatalf("witness w1: %d %s %s", code, out, errs)
	}
	code, _, errs := logCmd("verify", "--witness", w1, "--witness", w2, "--quorum", "2")
	mustFail("verify with one of two witnesses", code, errs, "witness quorum not met", "1 of the 2 configured witnesses")
	if code, out, errs := runW2(); code != 0 {
		t.Fatalf("witness w2: %d %s %s", code, out, errs)
	}
	if code, out, errs := logCmd("verify", "--witness", w1, "--witness", w2, "--quorum", "2"); code != 0 || !strings.Contains(out, `"cosigned_by":2`) {
		t.Fatalf("verify with both witnesses: %d %s %s", code, out, errs)
	}

	db := w.db.SQLX()
	// A: an object's stored bytes are changed.
	if _, err := db.Exec(`UPDATE objects SET raw = convert_to(replace(convert_from(raw, 'UTF8'), 'tamper0.example', 'evil0.example'), 'UTF8') WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	code, _, errs = logCmd("prove", ids[0])
	mustFail("prove after changing the object", code, errs, "do not match its log entry", "the stored object was changed")

	// editEntries rewrites the stored entries of the submission.
	first := sub.Log[0].Index
	editEntries := func(edit func(es [][]byte) [][]byte) {
		t.Helper()
		var blob []byte
		if err := db.Get(&blob, `SELECT entries FROM log_bundles WHERE batch = $1`, sub.Submission); err != nil {
			t.Fatal(err)
		}
		es, err := translog.DecodeBundle(blob, 4)
		if err != nil {
			t.Fatal(err)
		}
		if blob, err = translog.EncodeBundle(edit(es)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE log_bundles SET entries = $2 WHERE batch = $1`, sub.Submission, blob); err != nil {
			t.Fatal(err)
		}
	}

	// B: an entry is altered in storage.
	editEntries(func(es [][]byte) [][]byte {
		es[index[ids[1]]-first] = append(es[index[ids[1]]-first], ' ')
		return es
	})
	code, _, errs = logCmd("prove", ids[1])
	mustFail("prove after altering its entry", code, errs, fmt.Sprintf("entry served for index %d is not the one the tree holds (altered entry)", index[ids[1]]))

	// C: an entry is deleted.
	var deleted []byte
	editEntries(func(es [][]byte) [][]byte {
		i := index[ids[2]] - first
		deleted = es[i]
		return append(es[:i:i], es[i+1:]...)
	})
	code, _, errs = logCmd("prove", ids[2])
	mustFail("prove after deleting its entry", code, errs, fmt.Sprintf("entry %d is missing from the log", index[ids[2]]))

	// D: the hub rewrites the tree from the last entry on (another
	// entry in its place) and re-signs it with its own key.
	k := index[ids[3]]
	if k != tree.N-1 {
		t.Fatalf("index %d, want the last one (%d)", k, tree.N-1)
	}
	rewrite := func() {
		t.Helper()
		// The batch holds three entries now (C deleted one): put the
		// deleted one back and replace the last.
		var blob []byte
		if err := db.Get(&blob, `SELECT entries FROM log_bundles WHERE batch = $1`, sub.Submission); err != nil {
			t.Fatal(err)
		}
		es, err := translog.DecodeBundle(blob, 3)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es[:2:2], deleted, []byte(`{"kind":"object","rewritten":true}`))
		if blob, err = translog.EncodeBundle(es); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE log_bundles SET entries = $2 WHERE batch = $1`, sub.Submission, blob); err != nil {
			t.Fatal(err)
		}
		for _, st := range []struct {
			q   string
			arg int64
		}{
			{`UPDATE log_tree SET size = $1`, k},
			{`DELETE FROM log_checkpoints WHERE size > $1`, k},
			{`DELETE FROM log_cosignatures WHERE size > $1`, k},
		} {
			if _, err := db.ExecContext(context.Background(), st.q, st.arg); err != nil {
				t.Fatal(err)
			}
		}
	}
	rewrite()
	rewritten := waitForSize(t, w, v)
	if rewritten.N != tree.N || rewritten.Hash == tree.Hash {
		t.Fatalf("rewritten tree %d %s, original %d %s", rewritten.N, rewritten.Hash, tree.N, tree.Hash)
	}
	code, _, errs = logCmd("verify")
	mustFail("verify a rewritten tree of the same size", code, errs, "log history is inconsistent", fmt.Sprintf("split view: two different trees of size %d", tree.N))
	code, _, errs = runW1()
	mustFail("witness of a rewritten tree", code, errs, "refusing to cosign", "split view")

	// The rewritten tree grows: still not an extension of the trusted one.
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "after-rewrite.example"))
	grown := waitForSize(t, w, v)
	code, _, errs = logCmd("verify")
	mustFail("verify a grown rewritten tree", code, errs, "log history is inconsistent", fmt.Sprintf("history rewritten: the tree of size %d does not extend the trusted tree of size %d", grown.N, tree.N))
	code, _, errs = runW2()
	mustFail("witness of a grown rewritten tree", code, errs, "refusing to cosign", "history rewritten")
}

// Rotating the log key: the hub signs with both keys, a client pinned to
// the old one moves to the new one only once a checkpoint carries both,
// and the old key is then retired.
func TestTransparencyLogKeyRotation(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	args := []string{"--log-checkpoint-interval", "100ms", "--log-poll-interval", "50ms"}
	p := startServe(t, w.dbURL, args...)
	token := w.tokens["a"]
	old := logKeyOf(t, w, p.URL, token)
	state := filepath.Join(t.TempDir(), "state.json")
	verify := func(base string, extra ...string) (int, string, string) {
		t.Helper()
		return runJag(t, "", append([]string{"log", "verify", "--server", base, "--token", token, "--state", state}, extra...)...)
	}
	ov, _ := note.NewVerifier(old)
	v := &indepVerifier{t: t, base: p.URL, token: token, logKey: ov}
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "rot1.example"))
	waitForSize(t, w, v)
	if code, out, errs := verify(p.URL, "--log-key", old); code != 0 {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	code, out, errs := runJag(t, "", "log", "key", "rotate", "--database-url", w.dbURL)
	if code != 0 {
		t.Fatalf("rotate: %d %s", code, errs)
	}
	next := strings.TrimSpace(out)
	if nv, err := note.NewVerifier(next); err != nil || nv.Name() != ov.Name() || next == old {
		t.Fatalf("rotated key %q (%v), old %q", next, err, old)
	}
	// Not yet signing: the new key is not pinned.
	code, _, errs = verify(p.URL, "--log-key", next)
	if code == 0 || !strings.Contains(errs, "not signed by the new log key as well") {
		t.Fatalf("verify with an unused new key: %d %s", code, errs)
	}
	p.Stop()
	p = startServe(t, w.dbURL, args...)
	a := hubGet(t, p.URL+"/v1/log/key", token)
	if keys := strings.Fields(string(a.Raw)); len(keys) != 2 || keys[0] != next || keys[1] != old {
		t.Fatalf("GET /v1/log/key after rotation: %q", a.Raw)
	}
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "rot2.example"))
	v.base = p.URL
	waitForSize(t, w, v)
	if code, out, errs := verify(p.URL, "--log-key", next); code != 0 {
		t.Fatalf("verify with the new key: %d %s %s", code, out, errs)
	}
	if code, _, errs := runJag(t, "", "log", "key", "retire", "--database-url", w.dbURL, old); code != 0 {
		t.Fatalf("retire the old key: %d %s", code, errs)
	}
	if code, _, errs := runJag(t, "", "log", "key", "retire", "--database-url", w.dbURL, next); code == 0 || !strings.Contains(errs, "only active log key") {
		t.Fatalf("retire the last active key: %d %s", code, errs)
	}
	p.Stop()
	p = startServe(t, w.dbURL, args...)
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "rot3.example"))
	nv, _ := note.NewVerifier(next)
	v.base, v.logKey = p.URL, nv
	waitForSize(t, w, v)
	// The state pins the new key: verification goes on; the old key no
	// longer signs.
	if code, out, errs := verify(p.URL); code != 0 {
		t.Fatalf("verify after retirement: %d %s %s", code, out, errs)
	}
	a = hubGet(t, p.URL+"/v1/log/checkpoint", token)
	if _, err := note.Open(a.Raw, note.VerifierList(ov)); err == nil {
		t.Fatal("the retired key still signs")
	}
}
