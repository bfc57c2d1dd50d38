package main

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/migrations"
)

// The "newer" binary of the rolling-deploy tests: the same code built
// with tag jag_rolling, which adds migration 9001 (migrations/testdata/
// rolling), declared compatible with older binaries.
var (
	newerOnce sync.Once
	newerPath string
	newerErr  error
)

func newerJagBinary(t *testing.T) string {
	t.Helper()
	newerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jagnewer")
		if err != nil {
			newerErr = err
			return
		}
		newerPath = filepath.Join(dir, "jag")
		out, err := goBuild("-tags", "jag_rolling", "-o", newerPath, ".")
		if err != nil {
			newerErr = err
			t.Logf("%s", out)
		}
	})
	if newerErr != nil {
		t.Fatal(newerErr)
	}
	return newerPath
}

// runJagBin runs one jag subcommand to completion.
func runJagBin(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "JAG_DATABASE_URL=", "JAG_DATA_DIR=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// A rolling deploy: an older replica serves; a newer binary migrates the
// database (a migration that takes two seconds); the older replica stays
// ready throughout and keeps accepting and serving bundles, and the newer
// binary serves the same database beside it.
func TestRollingDeployKeepsOlderReplicaReady(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	older := jagBinary(t)
	newer := newerJagBinary(t)
	if out, _, err := runJagBin(t, newer, "version"); err != nil || !strings.Contains(out, "schema 9001") {
		t.Fatalf("newer binary version: %q %v", out, err)
	}
	old := startServe(t, w.dbURL)

	var polls, notReady atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			resp, err := e2eClient.Get(old.URL + "/readyz")
			polls.Add(1)
			if err != nil {
				notReady.Add(1)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				notReady.Add(1)
			}
		}
	}()
	out, errOut, err := runJagBin(t, newer, "migrate", "--database-url", w.dbURL)
	close(stop)
	<-done
	if err != nil {
		t.Fatalf("newer jag migrate: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "applied 9001_rolling_probe.sql") || strings.Contains(out, "applied 0001") {
		t.Fatalf("jag migrate printed %q", out)
	}
	if polls.Load() < 10 || notReady.Load() != 0 {
		t.Fatalf("older replica during the migration: %d of %d readiness probes failed", notReady.Load(), polls.Load())
	}

	// The older replica keeps serving: ingest and reads.
	w.submit(old.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "rolling.example"))
	if a := hubGet(t, old.URL+"/v1/lookup?value=rolling.example", w.tokens["a"]); a.Status != 200 || a.Body["count"] != float64(1) {
		t.Fatalf("older replica lookup: %d %s", a.Status, a.Raw)
	}
	// The newer binary serves the same database beside it.
	p, err := tryStartBinary(t, newer, freeAddr(t), w.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if a := hubGet(t, p.URL+"/v1/lookup?value=rolling.example", w.tokens["a"]); a.Status != 200 || a.Body["count"] != float64(1) {
		t.Fatalf("newer replica lookup: %d %s", a.Status, a.Raw)
	}
	if a := hubGet(t, old.URL+"/readyz", ""); a.Status != 200 {
		t.Fatalf("older replica /readyz after the deploy: %d %s", a.Status, a.Raw)
	}
	// The older binary's jag migrate has nothing to do, and its
	// administrative subcommands accept the newer compatible schema.
	if out, errOut, err := runJagBin(t, older, "migrate", "--database-url", w.dbURL); err != nil || strings.Contains("\n"+out, "\napplied ") || !strings.Contains(out, "0 migration(s) applied") {
		t.Fatalf("older jag migrate: %q %q %v", out, errOut, err)
	}
	if out, errOut, err := runJagBin(t, older, "participant", "list", "--database-url", w.dbURL); err != nil || !strings.Contains(out, e2eOrgA) {
		t.Fatalf("older participant list: %q %q %v", out, errOut, err)
	}
}

// Only jag migrate and jag serve apply migrations: another subcommand on
// an empty (or older) database refuses with a message that says what to
// run and changes nothing; jag migrate prints what it applied.
func TestSubcommandsNeverMigrate(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyURL(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bin := jagBinary(t)
	for _, args := range [][]string{
		{"participant", "list"},
		{"participant", "add", "--id", e2eOrgA, "--name", "A"},
		{"token", "revoke", "--jti", "x"},
	} {
		_, errOut, err := runJagBin(t, bin, append(args, "--database-url", url)...)
		if err == nil || !strings.Contains(errOut, "jag migrate") {
			t.Errorf("%v on an empty database: err %v, stderr %q", args, err, errOut)
		}
	}
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("a subcommand other than migrate or serve created schema_migrations")
	}
	out, errOut, err := runJagBin(t, bin, "migrate", "--database-url", url)
	if err != nil {
		t.Fatalf("migrate: %v %s", err, errOut)
	}
	all, _ := migrations.All()
	for _, m := range all {
		if !strings.Contains(out, "applied "+m.Name+"\n") {
			t.Errorf("jag migrate output lacks %s: %q", m.Name, out)
		}
	}
	// Older: one migration of the binary missing.
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = $1`, migrations.Latest()); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runJagBin(t, bin, "participant", "list", "--database-url", url); err == nil || !strings.Contains(errOut, "jag migrate") {
		t.Errorf("participant list on an older schema: %v %q", err, errOut)
	}
}
