package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

func TestSubscribe(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	_, base := startMain(t, url)
	cursorFile := filepath.Join(t.TempDir(), "cursor")

	t.Run("OK", func(t *testing.T) {
		if a := w.post(base, "a", "application/json", []byte(w.bundle(w.signedIndicator(e2eOrgA, "one.sub.example")))); a.Status != http.StatusCreated {
			t.Fatalf("submit: %d %s", a.Status, a.Raw)
		}
		if err := os.WriteFile(cursorFile, []byte(feeds.EncodeCursor(0)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e, out, errb := testEnv(nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, e, []string{"subscribe", "--server", base, "--token", w.tokens["a"], "--cursor-file", cursorFile})
		}()
		waitUntil(t, func() bool { return strings.Count(out.String(), "\n") >= 1 })
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		line := strings.TrimSpace(out.String())
		if !strings.HasPrefix(line, `{"op":"event"`) || !strings.Contains(line, "one.sub.example") {
			t.Fatalf("output %q", line)
		}
		b, err := os.ReadFile(cursorFile)
		if seq, derr := hubCursors(t, w.db).Decode(strings.TrimSpace(string(b))); err != nil || derr != nil || seq != 1 {
			t.Fatalf("cursor file %q, %v; want the cursor of event 1", b, err)
		}
	})
	t.Run("ForbiddenIsFatal", func(t *testing.T) {
		e, _, errb := testEnv(nil)
		code := run(context.Background(), e, []string{"subscribe", "--server", base, "--token", w.tokens["b"]})
		if code != 1 || !strings.Contains(errb.String(), "403 forbidden") {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	})
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSubscribeStatusLines follows a subscriber through a hub restart:
// each change of state is one status line on stderr (connected with the
// filter and the cursor it resumed from, disconnected and why,
// reconnecting, connected again, stopped with the cursor), events alone
// go to stdout, and the last line is never stale.
func TestSubscribeStatusLines(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	addr := freeAddr(t)
	first, err := tryStartServe(t, addr, url)
	if err != nil {
		t.Fatal(err)
	}
	cursorFile := filepath.Join(t.TempDir(), "cursor")
	e, out, errb := testEnv(nil)
	e.tty = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"subscribe", "--server", first.URL, "--token", w.tokens["a"], "--cursor-file", cursorFile,
			"--watch", "status.example", "--max-backoff", "200ms"})
	}()
	waitUntil(t, func() bool { return strings.Contains(errb.String(), "connected to") })
	if a := w.post(first.URL, "a", "application/json", []byte(w.bundle(w.signedIndicator(e2eOrgA, "status.example")))); a.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", a.Status, a.Raw)
	}
	waitUntil(t, func() bool { return strings.Count(out.String(), "\n") == 1 })
	first.Stop()
	waitUntil(t, func() bool { return strings.Contains(errb.String(), "reconnecting in") })
	second, err := tryStartServe(t, addr, url)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); strings.Count(errb.String(), "connected to") < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("did not reconnect:\n%s", errb.String())
		}
	}
	if a := w.post(second.URL, "a", "application/json", []byte(w.bundle(w.signedIndicator(e2eOrgA, "status.example")))); a.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", a.Status, a.Raw)
	}
	waitUntil(t, func() bool { return strings.Count(out.String(), "\n") == 2 })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}

	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	cursor := strings.TrimSpace(mustRead(t, cursorFile))
	want := []string{
		"jag subscribe: connected to ws://" + addr + "/v1/feed (replica at " + addr + "); watching status.example; from the live edge (no cursor yet)",
		"jag subscribe: disconnected: hub closed the feed (1001",
		"jag subscribe: connected to ws://" + addr + "/v1/feed (replica at " + addr + "); watching status.example; resuming after cursor ",
		"jag subscribe: stopped after 2 events at cursor " + cursor + " (saved in " + cursorFile,
	}
	// Between the disconnection and the new connection come as many
	// failed attempts as the restart took, each saying why.
	var got []string
	for _, l := range lines {
		if strings.HasPrefix(l, "jag subscribe: could not subscribe: connect to ws://"+addr) && strings.Contains(l, "reconnecting in") {
			continue
		}
		got = append(got, l)
	}
	if len(got) != len(want) {
		t.Fatalf("status lines:\n%s", errb.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("status line %d = %q, want prefix %q\nall:\n%s", i, got[i], want[i], errb.String())
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.Contains(l, "(CERT e2e0000a, no TLP): names status.example") {
			t.Fatalf("event line %q does not explain the match", l)
		}
	}
}
