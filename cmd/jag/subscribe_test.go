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
		if err != nil || strings.TrimSpace(string(b)) != feeds.EncodeCursor(1) {
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
