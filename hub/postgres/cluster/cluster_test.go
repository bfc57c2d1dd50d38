package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notes collects what Start reports.
type notes struct {
	mu   sync.Mutex
	list []string
}

func (n *notes) report(warn bool, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, fmt.Sprintf("warn=%v %s", warn, msg))
}

func (n *notes) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.list, "\n")
}

func startT(t *testing.T, dir string, n *notes) *Cluster {
	t.Helper()
	c, err := Start(context.Background(), dir, Options{NoSync: true, StopWithParent: true, Report: n.report})
	if err != nil {
		t.Fatalf("Start(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// serverProcs lists the processes working in pgdata (the postmaster and
// every backend chdir there).
func serverProcs(t *testing.T, pgdata string) []string {
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

func uidOf(t *testing.T, path string) uint32 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Uid
}

// A fresh data dir the server account can reach holds the cluster itself;
// a second Start reuses it without re-initialising.
func TestStartInPlace(t *testing.T) {
	t.Parallel() // the tests that set ExternalRoot are not parallel: they never overlap this one
	base := reachableTemp(t)
	dir := filepath.Join(base, "a", "jag-data")
	var n notes
	c := startT(t, dir, &n)
	if c.Dir() != dir || !strings.Contains(n.String(), "created the embedded PostgreSQL cluster in "+filepath.Join(dir, "pgdata")) {
		t.Fatalf("dir %s, notes:\n%s", c.Dir(), n.String())
	}
	if _, err := os.Stat(filepath.Join(dir, pointerFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("in-place cluster has a pointer file: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if p := serverProcs(t, filepath.Join(dir, "pgdata")); len(p) != 0 {
		t.Fatalf("after Stop, processes still work in pgdata: %v", p)
	}
	var n2 notes
	startT(t, dir, &n2)
	if strings.Contains(n2.String(), "created") {
		t.Fatalf("second start re-created the cluster:\n%s", n2.String())
	}
}

// reachableTemp is a temporary directory every account can enter.
func reachableTemp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "jagcl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// As root, a data dir under a mode-700 directory (a clone under /root) is
// out of the postgres account's reach: the cluster lives under
// ExternalRoot, the data dir names it and stays root's, and the log line
// says so. Attach finds it through the data dir.
func TestStartAsRootUnreachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root runs PostgreSQL as another account")
	}
	old := ExternalRoot
	ExternalRoot = filepath.Join(reachableTemp(t), "jag-postgres")
	t.Cleanup(func() { ExternalRoot = old })
	home := t.TempDir() // 0700, root's
	dir := filepath.Join(home, "clone", "jag-data")
	var n notes
	c := startT(t, dir, &n)
	if !strings.HasPrefix(c.Dir(), ExternalRoot+"/jag-data-") {
		t.Fatalf("cluster dir %s, want one under %s", c.Dir(), ExternalRoot)
	}
	if !strings.Contains(n.String(), "user postgres cannot reach "+dir) || !strings.Contains(n.String(), "remove both") {
		t.Fatalf("notes:\n%s", n.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, pointerFile))
	if err != nil || strings.TrimSpace(string(b)) != c.Dir() {
		t.Fatalf("pointer file: %q %v", b, err)
	}
	if uidOf(t, dir) != 0 || uidOf(t, home) != 0 {
		t.Fatal("the data dir and its parent must stay root's")
	}
	a, err := Attach(context.Background(), dir)
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if a.Owned() || a.URL("jag") != c.URL("jag") {
		t.Fatalf("Attach: owned %v, url %s", a.Owned(), a.URL("jag"))
	}
	// Removing the data dir without the cluster leaves a stray one, which
	// the next new external cluster names.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	var n2 notes
	c2 := startT(t, dir, &n2)
	if c2.Dir() == c.Dir() || !strings.Contains(n2.String(), c.Dir()+" holds a cluster whose data dir no longer names it") {
		t.Fatalf("restart after reset: dir %s, notes:\n%s", c2.Dir(), n2.String())
	}
}

// JAG gives only the directories it creates to the server account: an
// existing data dir keeps its owner and mode, with Start and with Attach.
func TestNeverTakesOverExistingDir(t *testing.T) {
	t.Parallel() // the tests that set ExternalRoot are not parallel: they never overlap this one
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root can change owners")
	}
	dir := filepath.Join(reachableTemp(t), "hub-data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	var n notes
	c := startT(t, dir, &n)
	if _, err := Attach(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dir)
	if uidOf(t, dir) != 65534 || st.Mode().Perm() != 0o755 {
		t.Fatalf("data dir now owned by %d, mode %v", uidOf(t, dir), st.Mode().Perm())
	}
	if uidOf(t, filepath.Join(dir, "pgdata")) == 0 {
		t.Fatal("pgdata, created by JAG, should belong to the server account")
	}
	// A second start runs the cluster as the owner of its files.
	startT(t, dir, &notes{})
}

// Attach never creates anything and says where it looked.
func TestAttachRefuses(t *testing.T) {
	t.Parallel() // the tests that set ExternalRoot are not parallel: they never overlap this one
	base := reachableTemp(t)
	missing := filepath.Join(base, "nowhere")
	_, err := Attach(context.Background(), missing)
	if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), missing+" (that directory does not exist)") {
		t.Fatalf("missing dir: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Attach created %s", missing)
	}
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(context.Background(), empty); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "it holds no cluster") {
		t.Fatalf("empty dir: %v", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Fatalf("Attach wrote into %s: %v", empty, entries)
	}
	stopped := filepath.Join(base, "stopped")
	c := startT(t, stopped, &notes{})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := Attach(context.Background(), stopped); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "its cluster is not running: no server answers on ") {
		t.Fatalf("stopped cluster: %v", err)
	}
}

// A server whose owner is alive is refused; one whose owner died (an
// orphan) is stopped and started again under the new owner, and after Stop
// no process of the cluster remains.
func TestInUseAndOrphan(t *testing.T) {
	t.Parallel() // the tests that set ExternalRoot are not parallel: they never overlap this one
	dir := filepath.Join(reachableTemp(t), "jag-data")
	c := startT(t, dir, &notes{})
	if _, err := Start(context.Background(), dir, Options{NoSync: true}); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "this process") {
		t.Fatalf("second Start while the first runs: %v", err)
	}
	// Make it an orphan: this process forgets it, and owner.pid names a
	// process that is gone.
	old, ok := postmaster(c.pgdata)
	if !ok {
		t.Fatal("no postmaster")
	}
	c.proc = nil
	if err := os.WriteFile(filepath.Join(c.dir, ownerFile), []byte("999999999 12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var n notes
	c2 := startT(t, dir, &n)
	if !strings.Contains(n.String(), fmt.Sprintf("warn=true PostgreSQL (pid %d) was still running on %s, left by jag pid 999999999, which is gone", old, c.pgdata)) {
		t.Fatalf("notes:\n%s", n.String())
	}
	if running(old) {
		t.Fatalf("the orphan (pid %d) still runs", old)
	}
	if pid, ok := PostmasterPID(dir); !ok || pid == old {
		t.Fatalf("PostmasterPID = %d %v", pid, ok)
	}
	if err := c2.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(serverProcs(t, c.pgdata)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := serverProcs(t, c.pgdata); len(p) != 0 {
		t.Fatalf("after Stop, processes still work in pgdata: %v", p)
	}
}

// Failures name the cause and the fix.
func TestStartFailuresExplain(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: these failures are about running as root")
	}
	base := reachableTemp(t)
	// A pgdata that belongs to root (PostgreSQL refuses root).
	rootOwned := filepath.Join(base, "root-owned")
	if err := os.MkdirAll(filepath.Join(rootOwned, "pgdata"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootOwned, "pgdata", "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), rootOwned, Options{NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "belongs to root, and PostgreSQL refuses to run as root") || !strings.Contains(err.Error(), "rm -rf "+rootOwned) {
		t.Fatalf("root-owned pgdata: %v", err)
	}
	// An unreachable data dir when the external location cannot be made.
	old := ExternalRoot
	blocker := filepath.Join(base, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ExternalRoot = filepath.Join(blocker, "jag-postgres")
	t.Cleanup(func() { ExternalRoot = old })
	dir := filepath.Join(t.TempDir(), "jag-data")
	_, err = Start(context.Background(), dir, Options{NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "user postgres cannot reach "+dir) ||
		!strings.Contains(err.Error(), "run jag as an unprivileged user, choose a --data-dir the postgres account can reach") {
		t.Fatalf("no external location: %v", err)
	}
	// A socket directory someone else owns is refused, not used.
	squat := filepath.Join(base, "squat")
	if err := os.MkdirAll(filepath.Join(squat, "run"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(squat, "run"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err = Start(context.Background(), squat, Options{NoSync: true})
	if err == nil || !strings.Contains(err.Error(), "socket directory "+filepath.Join(squat, "run")+" belongs to nobody, not to postgres") {
		t.Fatalf("squatted socket dir: %v", err)
	}
}
