package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Who runs the server.
//
// The process that starts a server records itself in owner.pid (pid and
// kernel start time, so a recycled pid does not count). A server found
// running on the directory whose owner is gone was left by a crashed or
// killed jag: Start stops it (fast shutdown: committed data is safe) and
// starts its own, so that stopping jag stops PostgreSQL again. A server
// whose owner is alive belongs to another jag process: Start refuses.

const ownerFile = "owner.pid"

// ErrInUse means another live process runs the cluster's server.
var ErrInUse = errors.New("the embedded PostgreSQL is run by another jag process")

// owner is the process recorded as running a server.
type owner struct {
	pid   int
	start string // field 22 of /proc/pid/stat
	cmd   string
}

func (c *Cluster) writeOwner() error {
	o := owner{pid: os.Getpid(), start: procStart(os.Getpid())}
	return writeFileAtomic(filepath.Join(c.dir, ownerFile), []byte(fmt.Sprintf("%d %s\n", o.pid, o.start)), 0o644)
}

func (c *Cluster) readOwner() (owner, bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, ownerFile))
	if err != nil {
		return owner{}, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return owner{}, false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return owner{}, false
	}
	return owner{pid: pid, start: f[1], cmd: procCmdline(pid)}, true
}

// alive reports whether the recorded process still runs.
func (o owner) alive() bool {
	return o.pid > 0 && o.start != "" && procStart(o.pid) == o.start && running(o.pid)
}

// procStart returns the start time of pid (clock ticks since boot), or ""
// when there is no such process.
func procStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // comm may contain spaces
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // field 22 overall; fields here start at 3
}

func procCmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// postmaster returns the pid of the server running on pgdata, if any: the
// pid of postmaster.pid when that process is alive and works in pgdata.
func postmaster(pgdata string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return 0, false // gone, or not ours to inspect: PostgreSQL judges its lock file itself
	}
	want, err := filepath.EvalSymlinks(pgdata)
	if err != nil {
		want = pgdata
	}
	return pid, cwd == want
}

// PostmasterPID returns the pid of the server running on the cluster of
// dataDir, if any (for tests and diagnostics).
func PostmasterPID(dataDir string) (int, bool) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return 0, false
	}
	dir, _, err := clusterDir(abs)
	if err != nil {
		return 0, false
	}
	return postmaster(filepath.Join(dir, "pgdata"))
}

// takeOver handles a server already running on the cluster: another live
// jag process's (ErrInUse) or an orphan, which it stops.
func (c *Cluster) takeOver(report func(bool, string)) error {
	pid, ok := postmaster(c.pgdata)
	if !ok {
		return nil
	}
	o, known := c.readOwner()
	if known && o.alive() {
		who := fmt.Sprintf("pid %d", o.pid)
		if o.cmd != "" {
			who += ", " + o.cmd
		}
		if o.pid == os.Getpid() {
			who = "this process"
		}
		return fmt.Errorf("%w (%s) on %s: stop it first, choose another --data-dir, or run several hubs against one server with --database-url", ErrInUse, who, c.dataDir)
	}
	left := "a jag process that is gone"
	if known {
		left = fmt.Sprintf("jag pid %d, which is gone", o.pid)
	}
	report(true, fmt.Sprintf("PostgreSQL (pid %d) was still running on %s, left by %s; stopping it (fast shutdown, committed data is kept) to start it again under this process", pid, c.pgdata, left))
	return stopPID(pid)
}

// stopPID asks a server it did not start to shut down fast and waits for it.
func stopPID(pid int) error {
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, 60 * time.Second}, {syscall.SIGQUIT, 10 * time.Second}}
	for _, s := range steps {
		if err := syscall.Kill(pid, s.sig); err != nil {
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return fmt.Errorf("stop the PostgreSQL left running (pid %d): %w", pid, err)
		}
		for deadline := time.Now().Add(s.wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if !running(pid) {
				return nil
			}
		}
	}
	return fmt.Errorf("the PostgreSQL left running (pid %d) did not stop within 70s: stop it by hand (kill %d)", pid, pid)
}

// running reports whether pid exists and is not a zombie waiting for a
// parent that does not reap.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
