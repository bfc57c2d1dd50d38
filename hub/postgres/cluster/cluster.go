// Package cluster runs a private PostgreSQL server from the binaries
// installed on the machine: the embedded default database of `jag serve`
// and the throwaway clusters of the tests.
//
// A cluster lives in one directory: the data files under pgdata/, the unix
// socket (the server listens on no TCP port) in a short socket directory,
// and owner.pid, the process that runs the server. PostgreSQL refuses to run
// as root, so a root process runs it as the "postgres" account; when that
// account cannot reach the data directory, the cluster lives under
// ExternalRoot and the data directory names it (see layout.go). An existing
// cluster always runs as the owner of its files; JAG only ever sets the
// owner of directories it creates.
//
// Start is for the process that serves: it initialises the cluster on first
// use and starts the server, stopping one left running by a jag process
// that died, and refusing one a live jag process runs. Attach is for
// one-shot admin commands: it connects to the running server and never
// creates or starts anything. Only the process that started the server
// stops it.
package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// ErrNoPostgres means no PostgreSQL server binaries were found.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, postgres) not found: install them (Debian/Ubuntu: apt-get install postgresql) or set JAG_DATABASE_URL to an existing server")

// ErrNotRunning means Attach found no server answering for the data dir.
var ErrNotRunning = errors.New("no running hub database")

// Options tune a cluster; the zero value is the durable default.
type Options struct {
	// NoSync trades durability for speed (initdb --no-sync, fsync=off):
	// for throwaway test clusters only.
	NoSync bool
	// Settings are extra server settings (name → value).
	Settings map[string]string
	// Log receives the server's output; nil discards it.
	Log io.Writer
	// Report receives one line for each notable thing Start does: where a
	// new cluster was created and which account runs it, a server left
	// running by a dead jag process and stopped (warn). Nil discards them.
	Report func(warn bool, msg string)
	// StopWithParent makes the server shut down immediately when this
	// process dies (test clusters: no orphans after a crashed test binary).
	StopWithParent bool
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dataDir string // as configured (absolute)
	dir     string // where the cluster lives: dataDir, or under ExternalRoot
	pgdata  string
	sockDir string
	bin     string
	acct    account

	// Set when this process started the server (and Stop stops it).
	proc   *os.Process
	exited chan struct{}
}

// FindBin returns the directory holding initdb and postgres: PATH first,
// then the newest /usr/lib/postgresql/*/bin.
func FindBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

func pgMajor(initdbPath string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdbPath))))
	return v
}

// Start initialises the cluster of dataDir on first use and starts its
// server, which this process then owns (Stop stops it).
func Start(ctx context.Context, dataDir string, opt Options) (*Cluster, error) {
	report := opt.Report
	if report == nil {
		report = func(bool, string) {}
	}
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("resolve data dir: %w", err)
	}
	c := &Cluster{dataDir: abs, bin: bin}
	var external bool
	if c.dir, external, err = clusterDir(abs); err != nil {
		return nil, err
	}
	c.pgdata = c.pgdataOf()
	_, statErr := os.Stat(filepath.Join(c.pgdata, "PG_VERSION"))
	fresh := errors.Is(statErr, os.ErrNotExist)
	var created string
	if fresh {
		if c.acct, err = newAccount(); err != nil {
			return nil, err
		}
		switch {
		case external: // an earlier initdb there failed: retry in place
			created = fmt.Sprintf("created the embedded PostgreSQL cluster in %s (named by %s), run as user %s", c.pgdata, filepath.Join(abs, pointerFile), c.acct.name)
		default:
			if created, err = c.place(); err != nil {
				return nil, err
			}
		}
		c.pgdata = c.pgdataOf()
		dirs, err := mkdirs(c.pgdata, 0o700)
		if err != nil {
			return nil, err
		}
		if err := c.acct.chown(dirs...); err != nil {
			return nil, err
		}
	} else if c.acct, err = existingAccount(c.pgdata); err != nil {
		return nil, err
	}
	c.sockDir = socketDir(c.dir)
	dirs, err := mkdirs(c.sockDir, 0o700)
	if err != nil {
		return nil, fmt.Errorf("socket dir: %w", err)
	}
	if err := c.acct.chown(dirs...); err != nil {
		return nil, err
	}
	if err := c.acct.owns(c.sockDir); err != nil {
		return nil, err
	}
	if err := c.takeOver(report); err != nil {
		return nil, err
	}
	if fresh {
		if err := c.initdb(ctx, opt); err != nil {
			return nil, err
		}
		report(false, created)
		if c.dir != c.dataDir {
			for _, s := range strayClusters() {
				report(true, fmt.Sprintf("%s holds a cluster whose data dir no longer names it; remove it (rm -rf %s) unless you still need its data", s, s))
			}
		}
	}
	if err := c.start(ctx, opt); err != nil {
		return nil, err
	}
	return c, nil
}

// Attach connects to the server running on the cluster of dataDir without
// creating or starting anything; ErrNotRunning says where it looked.
func Attach(ctx context.Context, dataDir string) (*Cluster, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("resolve data dir: %w", err)
	}
	c := &Cluster{dataDir: abs}
	var why string
	if _, err := os.Stat(abs); err != nil {
		why = "that directory does not exist"
	} else if c.dir, _, err = clusterDir(abs); err != nil {
		return nil, fmt.Errorf("%w for data dir %s: %v", ErrNotRunning, abs, err)
	} else {
		c.pgdata = c.pgdataOf()
		c.sockDir = socketDir(c.dir)
		if c.ready(ctx) {
			return c, nil
		}
		if _, err := os.Stat(filepath.Join(c.pgdata, "PG_VERSION")); err != nil {
			why = "it holds no cluster"
		} else {
			why = "its cluster is not running: no server answers on " + filepath.Join(c.sockDir, ".s.PGSQL.5432")
		}
	}
	return nil, fmt.Errorf("%w in data dir %s (%s)", ErrNotRunning, abs, why)
}

// DataDir is the configured data directory; Dir is where the cluster
// lives (the same, or under ExternalRoot).
func (c *Cluster) DataDir() string { return c.dataDir }

// Dir is the directory holding pgdata/.
func (c *Cluster) Dir() string { return c.dir }

// URL is a lib/pq connection string for database db over the unix socket.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", c.sockDir, db)
}

// Owned reports whether this process started the server (and Stop stops it).
func (c *Cluster) Owned() bool { return c.proc != nil }

// Stop shuts the server down cleanly (fast shutdown: open sessions are
// rolled back, committed data is on disk) if this process started it.
func (c *Cluster) Stop() error {
	if c.proc == nil {
		return nil
	}
	_ = c.proc.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.proc.Kill()
		<-c.exited
	}
	c.proc = nil
	_ = os.Remove(filepath.Join(c.dir, ownerFile))
	return nil
}

// socketDir returns a directory for the unix socket whose path is short
// enough for sun_path (107 bytes including "/.s.PGSQL.5432").
func socketDir(dir string) string {
	d := filepath.Join(dir, "run")
	if len(d) <= 80 {
		return d
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "jag-pg-"+hex.EncodeToString(sum[:6]))
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.acct.cred, Setpgid: true}
	return cmd
}

func (c *Cluster) initdb(ctx context.Context, opt Options) error {
	args := []string{"-D", c.pgdata, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"}
	if opt.NoSync {
		args = append(args, "--no-sync")
	}
	cmd := c.command(ctx, "initdb", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb %s as user %s: %w: %s", c.pgdata, c.acct.name, err, lastLines(out.String(), 5))
	}
	return nil
}

func (c *Cluster) start(ctx context.Context, opt Options) error {
	// JIT compilation only adds latency to JAG's short OLTP statements (and
	// needs W+X memory, which the systemd unit forbids).
	args := []string{"-D", c.pgdata, "-k", c.sockDir, "-c", "listen_addresses=", "-c", "max_connections=200", "-c", "jit=off"}
	if opt.NoSync {
		args = append(args, "-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	keys := make([]string, 0, len(opt.Settings))
	for k := range opt.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+opt.Settings[k])
	}
	// The server must outlive ctx (it is stopped by Stop), so it is not
	// started with CommandContext.
	cmd := c.command(context.Background(), "postgres", args...)
	if opt.StopWithParent {
		// The kernel signals the child when the thread that forked it
		// exits; pin the goroutine so that thread is this process's.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	}
	var out lockedBuffer
	if opt.Log != nil {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, opt.Log), io.MultiWriter(&out, opt.Log)
	} else {
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.proc, c.exited = cmd.Process, exited
	if err := c.writeOwner(); err != nil {
		_ = c.Stop()
		return err
	}

	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if c.ready(ctx) {
			return nil
		}
		select {
		case <-exited:
			c.proc = nil
			return fmt.Errorf("postgres (as user %s, data %s) exited during start: %s", c.acct.name, c.pgdata, lastLines(out.String(), 8))
		case <-ctx.Done():
			_ = c.Stop()
			return fmt.Errorf("start postgres: %w", ctx.Err())
		case <-deadline.C:
			_ = c.Stop()
			return fmt.Errorf("postgres not ready after 60s: %s", lastLines(out.String(), 8))
		case <-tick.C:
		}
	}
}

// ready reports whether a server accepts connections on the socket.
func (c *Cluster) ready(ctx context.Context) bool {
	if _, err := os.Stat(filepath.Join(c.sockDir, ".s.PGSQL.5432")); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		return false
	}
	defer db.Close()
	return db.PingContext(ctx) == nil
}

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to cluster: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // created concurrently
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// lockedBuffer collects server output for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
