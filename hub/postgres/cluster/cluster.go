// Package cluster runs a private PostgreSQL server from the binaries
// installed on the machine: the embedded default database of `jag serve`
// and the throwaway clusters of the tests.
//
// A cluster lives in one directory: the data files under pgdata/ and the
// unix socket (the server listens on no TCP port) in a short socket
// directory. When the process runs as root, initdb and the server run as the
// "postgres" user, because initdb refuses to run as root.
//
// Start reuses a server already running on the directory (another `jag`
// process started it), so admin subcommands work while `jag serve` runs.
// Only the process that started the server stops it.
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
	"os/user"
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

// Options tune a cluster; the zero value is the durable default.
type Options struct {
	// NoSync trades durability for speed (initdb --no-sync, fsync=off):
	// for throwaway test clusters only.
	NoSync bool
	// Settings are extra server settings (name → value).
	Settings map[string]string
	// Log receives the server's output; nil discards it.
	Log io.Writer
	// StopWithParent makes the server shut down immediately when this
	// process dies (test clusters: no orphans after a crashed test binary).
	StopWithParent bool
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dir     string
	pgdata  string
	sockDir string
	bin     string
	cred    *syscall.Credential

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

// Start initialises dir on first use and starts the server, or attaches to
// the server already running there.
func Start(ctx context.Context, dir string, opt Options) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve data dir: %w", err)
	}
	c := &Cluster{dir: dir, pgdata: filepath.Join(dir, "pgdata"), bin: bin}
	c.sockDir = socketDir(dir)
	if c.cred, err = serverCredential(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.MkdirAll(c.sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("create socket dir: %w", err)
	}
	if err := c.chown(dir, c.sockDir); err != nil {
		return nil, err
	}
	if c.ready(ctx) {
		return c, nil // another process runs it
	}
	if _, err := os.Stat(filepath.Join(c.pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx, opt); err != nil {
			return nil, err
		}
	}
	if err := c.start(ctx, opt); err != nil {
		return nil, err
	}
	return c, nil
}

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

// serverCredential returns the postgres user's credential when running as
// root (initdb and postgres refuse root), nil otherwise.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a 'postgres' user to run PostgreSQL (install PostgreSQL or run as another user): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (c *Cluster) chown(paths ...string) error {
	if c.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("chown %s to postgres: %w", p, err)
		}
	}
	return nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
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
		return fmt.Errorf("initdb %s: %w: %s", c.pgdata, err, lastLines(out.String(), 5))
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
			return fmt.Errorf("postgres exited during start: %s", lastLines(out.String(), 8))
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
