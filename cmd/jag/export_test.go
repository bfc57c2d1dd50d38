package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestExportCLI drives jag export (to stdout, to a file kept with its
// ETag, named definitions added, listed, served and removed on the
// database) and jag subscribe --export, which must bring its file up to
// date when the feed announces a new indicator and resume from its cursor.
func TestExportCLI(t *testing.T) {
	t.Parallel()
	A := e2eOrgA
	dbURL := pgtest.URL(t)
	w := newWorld(t, dbURL, A)
	p := startServe(t, dbURL)
	w.submit(p.URL, A, w.signedIndicator(A, "one.cli.example"))
	token := w.token(A, auth.TierMember, auth.ScopeRead)
	dir := t.TempDir()
	jag := func(args ...string) (int, string, string) {
		t.Helper()
		e, out, errb := testEnv(nil)
		code := run(context.Background(), e, args)
		return code, out.String(), errb.String()
	}

	t.Run("stdout", func(t *testing.T) {
		code, out, errs := jag("export", "domain", "--server", p.URL, "--token", token, "--label", "none-has-it")
		if code != 0 || out != "" {
			t.Fatalf("exit %d, %q %s", code, out, errs)
		}
		code, out, errs = jag("export", "domain", "--server", p.URL, "--token", token)
		if code != 0 || out != "one.cli.example\n" {
			t.Fatalf("exit %d, %q %s", code, out, errs)
		}
		if code, _, errs := jag("export", "xml", "--server", p.URL, "--token", token); code != 2 || !strings.Contains(errs, "unknown format") {
			t.Errorf("unknown format: exit %d %s", code, errs)
		}
		if code, _, _ := jag("export", "ip", "--server", p.URL, "--token", token, "--tlp", "purple"); code != 2 {
			t.Errorf("bad filter: exit %d", code)
		}
	})

	t.Run("file", func(t *testing.T) {
		file := filepath.Join(dir, "domains.txt")
		code, _, errs := jag("export", "domain", "--server", p.URL, "--token", token, "--out", file)
		if b, _ := os.ReadFile(file); code != 0 || string(b) != "one.cli.example\n" || !strings.Contains(errs, "updated") {
			t.Fatalf("exit %d %q %s", code, b, errs)
		}
		if tag, err := os.ReadFile(file + ".etag"); err != nil || !strings.HasPrefix(string(tag), `"`) {
			t.Fatalf("etag file %q %v", tag, err)
		}
		code, _, errs = jag("export", "domain", "--server", p.URL, "--token", token, "--out", file)
		if code != 0 || !strings.Contains(errs, "unchanged") {
			t.Fatalf("second run: exit %d %s", code, errs)
		}
	})

	t.Run("named", func(t *testing.T) {
		code, out, errs := jag("export", "add", "dns-block", "--database-url", dbURL, "--format", "rpz", "--filter", "min_confidence=0&label=x", "--label", "y")
		var def struct{ Name, Format, Filter, Path string }
		if code != 0 || json.Unmarshal([]byte(out), &def) != nil || def.Filter != "label=x&label=y&min_confidence=0" || def.Path != "/v1/exports/by-name/dns-block" {
			t.Fatalf("add: exit %d %q %s", code, out, errs)
		}
		if code, out, _ := jag("export", "list", "--database-url", dbURL); code != 0 || !strings.Contains(out, `"dns-block"`) {
			t.Fatalf("list: %d %s", code, out)
		}
		jag("export", "add", "all-domains", "--database-url", dbURL, "--format", "domain")
		if code, out, errs := jag("export", "domain", "--server", p.URL, "--token", token, "--name", "all-domains"); code != 0 || out != "one.cli.example\n" {
			t.Fatalf("by name: %d %q %s", code, out, errs)
		}
		if code, _, _ := jag("export", "remove", "dns-block", "--database-url", dbURL); code != 0 {
			t.Fatalf("remove: %d", code)
		}
		if code, _, errs := jag("export", "remove", "dns-block", "--database-url", dbURL); code != 1 || !strings.Contains(errs, "no export definition") {
			t.Errorf("remove twice: %d %s", code, errs)
		}
		if code, _, _ := jag("export", "add", "Bad Name", "--database-url", dbURL, "--format", "ip"); code != 2 {
			t.Errorf("bad name: %d", code)
		}
	})

	t.Run("subscribe", func(t *testing.T) {
		file := filepath.Join(dir, "live.txt")
		e, _, errb := testEnv(nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, e, []string{"subscribe", "--export", "domain", "--out", file, "--server", p.URL, "--token", token, "--debounce", "100ms"})
		}()
		read := func() string { b, _ := os.ReadFile(file); return string(b) }
		waitUntil(t, func() bool { return read() == "one.cli.example\n" })
		w.submit(p.URL, A, w.signedIndicator(A, "two.cli.example"))
		waitUntil(t, func() bool { return read() == "one.cli.example\ntwo.cli.example\n" })
		waitUntil(t, func() bool { b, err := os.ReadFile(file + ".cursor"); return err == nil && len(b) > 1 })
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		// While it is stopped a third indicator arrives; a restart
		// resumes from the cursor and catches up.
		w.submit(p.URL, A, w.signedIndicator(A, "three.cli.example"))
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		go func() {
			done <- run(ctx, e, []string{"subscribe", "--export", "domain", "--out", file, "--server", p.URL, "--token", token})
		}()
		waitUntil(t, func() bool { return strings.Contains(read(), "three.cli.example\n") })
		cancel()
		<-done
		entries, _ := os.ReadDir(dir)
		for _, en := range entries {
			if strings.HasPrefix(en.Name(), ".") {
				t.Errorf("temporary file left behind: %s", en.Name())
			}
		}
	})
}
