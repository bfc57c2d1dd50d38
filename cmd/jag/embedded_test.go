package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/cluster"
)

// embeddedDataDir is a data dir path (not yet created) every account can
// reach, for `jag serve` with its embedded cluster.
func embeddedDataDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "jagemb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, "jag-data")
}

// startEmbedded runs the real binary on the embedded cluster of dataDir.
func startEmbedded(t *testing.T, dataDir string) *serveProc {
	t.Helper()
	return startServe(t, "", "--data-dir", dataDir)
}

// clusterProcs lists the processes working in the cluster's pgdata (the
// postmaster and every backend chdir there).
func clusterProcs(t *testing.T, pgdata string) []string {
	t.Helper()
	want, err := filepath.EvalSymlinks(pgdata)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == want {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// waitNoClusterProcs fails unless every process of pgdata is gone soon.
func waitNoClusterProcs(t *testing.T, pgdata string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if len(clusterProcs(t, pgdata)) == 0 {
			return
		}
	}
	t.Fatalf("PostgreSQL processes of %s remain: %v", pgdata, clusterProcs(t, pgdata))
}

// Admin commands attach to the running hub's embedded cluster; without
// one they refuse, say where they looked and how to point them, and
// create nothing.
func TestAdminCommandsAttachOrRefuse(t *testing.T) {
	t.Parallel()
	dataDir := embeddedDataDir(t)
	admin := func(args ...string) (int, string, string) {
		e, out, errb := testEnv(nil)
		code := run(context.Background(), e, append(args, "--data-dir", dataDir))
		return code, out.String(), errb.String()
	}
	for _, args := range [][]string{
		{"participant", "list"},
		{"participant", "add", "--id", "identity--a0000000-0000-4000-8000-000000000001", "--name", "CERT-A", "--country", "GB"},
		{"key", "revoke", "--kid", "nokey"},
		{"migrate"},
	} {
		code, out, errb := admin(args...)
		for _, want := range []string{"no running hub database in data dir " + dataDir + " (that directory does not exist)",
			"jag serve --data-dir " + dataDir, "--data-dir DIR (env JAG_DATA_DIR)", "--database-url URL (env JAG_DATABASE_URL)"} {
			if code != 1 || !strings.Contains(errb, want) {
				t.Fatalf("%v: exit %d, stdout %q, stderr:\n%s\nwant %q", args, code, out, errb, want)
			}
		}
		if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v created %s", args, dataDir)
		}
	}

	p := startEmbedded(t, dataDir)
	if code, out, errb := admin("participant", "add", "--id", "identity--a0000000-0000-4000-8000-000000000001", "--name", "CERT-A", "--country", "GB"); code != 0 {
		t.Fatalf("participant add on the running hub: exit %d %s %s", code, out, errb)
	}
	if code, out, errb := admin("participant", "list"); code != 0 || !strings.Contains(out, "CERT-A") {
		t.Fatalf("participant list: exit %d %q %s", code, out, errb)
	}
	// The hub sees what the admin command wrote.
	if code, body := get(t, p.URL+"/readyz"); code != 200 {
		t.Fatalf("/readyz %d %s", code, body)
	}
	p.Stop()
	// The hub stopped, its cluster with it: refused, and nothing started.
	code, _, errb := admin("participant", "list")
	if code != 1 || !strings.Contains(errb, "its cluster is not running") {
		t.Fatalf("after the hub stopped: exit %d %s", code, errb)
	}
	if _, ok := cluster.PostmasterPID(dataDir); ok {
		t.Fatal("an admin command started the cluster")
	}
}

// A hub killed with SIGKILL leaves its PostgreSQL running; the next start
// says so, stops it and starts its own, and a normal stop leaves no
// PostgreSQL process of the data dir behind. SIGHUP (terminal closed)
// stops the hub and its cluster like SIGINT. A second hub on a data dir a
// live one uses is refused.
func TestEmbeddedClusterLifecycle(t *testing.T) {
	t.Parallel()
	dataDir := embeddedDataDir(t)
	pgdata := filepath.Join(dataDir, "pgdata")
	p := startEmbedded(t, dataDir)
	if !strings.Contains(p.Logs(), "created the embedded PostgreSQL cluster in "+pgdata) {
		t.Fatalf("first start does not say where the cluster is:\n%s", p.Logs())
	}
	orphan, ok := cluster.PostmasterPID(dataDir)
	if !ok {
		t.Fatal("no postmaster while the hub runs")
	}

	// A second hub on the same data dir is refused while the first lives.
	second, err := tryStartServe(t, freeAddr(t), "", "--data-dir", dataDir)
	if err == nil {
		second.Stop()
		t.Fatal("a second hub started on a data dir in use")
	}
	if !strings.Contains(err.Error(), "the embedded PostgreSQL is run by another jag process") {
		t.Fatalf("second hub: %v", err)
	}

	p.Kill()
	time.Sleep(200 * time.Millisecond)
	if syscall.Kill(orphan, 0) != nil {
		t.Fatal("the scenario needs the PostgreSQL of the killed hub to survive it")
	}
	p2 := startEmbedded(t, dataDir)
	if !strings.Contains(p2.Logs(), "was still running on "+pgdata) || !strings.Contains(p2.Logs(), "which is gone") {
		t.Fatalf("restart after kill -9 does not report the orphan:\n%s", p2.Logs())
	}
	if strings.Contains(p2.Logs(), "created the embedded") {
		t.Fatalf("restart re-created the cluster:\n%s", p2.Logs())
	}
	if pid, ok := cluster.PostmasterPID(dataDir); !ok || pid == orphan {
		t.Fatalf("postmaster after restart: %d %v (orphan was %d)", pid, ok, orphan)
	}
	p2.Stop()
	if code := p2.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	waitNoClusterProcs(t, pgdata)

	p3 := startEmbedded(t, dataDir)
	if err := p3.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p3.done:
	case <-time.After(30 * time.Second):
		t.Fatal("jag serve did not stop on SIGHUP")
	}
	if code := p3.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(p3.Logs(), "signal received, draining") {
		t.Fatalf("SIGHUP: exit %d\n%s", code, p3.Logs())
	}
	waitNoClusterProcs(t, pgdata)
}
