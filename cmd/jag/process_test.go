package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/migrations"
)

// The end-to-end tests run the real `jag serve` binary, built once per test
// binary.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func jagBinary(t testing.TB) string {
	t.Helper()
	bin, err := buildJag()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// buildJag builds the binary once; safe for concurrent use.
func buildJag() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jagbin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "jag")
		out, err := goBuild("-o", binPath, ".")
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// goBuild runs go build as `make build` does: a static binary
// (CGO_ENABLED=0, whatever the test run's setting) with -trimpath, so its
// compiled packages come from the build cache wherever the clone is.
func goBuild(args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"build", "-trimpath"}, args...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd.CombinedOutput()
}

// serveProc is a running `jag serve` process.
type serveProc struct {
	t    testing.TB
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:port
	Addr string
	logs *syncBuffer
	done chan struct{}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe starts `jag serve` against dbURL with extra flags and waits
// until /readyz answers 200.
func startServe(t testing.TB, dbURL string, args ...string) *serveProc {
	t.Helper()
	p, err := tryStartServeFree(t, dbURL, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tryStartServeFree is tryStartServe on a free port. The tests run in
// parallel, so the port freeAddr found may be taken (by another test's
// listener or as the source port of a connection) before jag serve binds
// it; then it tries again on another port.
func tryStartServeFree(t testing.TB, dbURL string, args ...string) (*serveProc, error) {
	for attempt := 1; ; attempt++ {
		p, err := tryStartServe(t, freeAddr(t), dbURL, args...)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			return p, err
		}
	}
}

// startReplicas starts n `jag serve` processes at once against dbURL.
func startReplicas(t testing.TB, n int, dbURL string, args ...string) []*serveProc {
	t.Helper()
	jagBinary(t) // build before the race starts
	procs := make([]*serveProc, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i], errs[i] = tryStartServeFree(t, dbURL, args...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	return procs
}

// tryStartServe is startServe on addr, returning instead of failing so
// that it may run outside the test's goroutine. The process is stopped at
// cleanup, its logs shown if the test failed.
func tryStartServe(t testing.TB, addr, dbURL string, args ...string) (*serveProc, error) {
	bin, err := buildJag()
	if err != nil {
		return nil, err
	}
	return tryStartBinary(t, bin, addr, dbURL, args...)
}

// tryStartBinary is tryStartServe with a given jag binary.
func tryStartBinary(t testing.TB, bin, addr, dbURL string, args ...string) (*serveProc, error) {
	full := append([]string{"serve", "--addr", addr, "--database-url", dbURL, "--log-level", "debug"}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "JAG_DATABASE_URL=", "JAG_DATA_DIR=")
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{t: t, cmd: cmd, URL: "http://" + addr, Addr: addr, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("jag serve %s logs:\n%s", addr, logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return nil, fmt.Errorf("jag serve exited during start:\n%s", logs.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("jag serve not ready after 30s:\n%s", logs.String())
}

// Stop sends SIGTERM and waits for a graceful exit (SIGKILL after 20 s).
func (p *serveProc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *serveProc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Logs returns everything the process wrote so far.
func (p *serveProc) Logs() string { return p.logs.String() }

// TestServeBinaryGracefulStop checks the real binary serves and exits 0 on SIGTERM.
func TestServeBinaryGracefulStop(t *testing.T) {
	t.Parallel()
	p := startServe(t, pgtest.URL(t))
	if code, _ := get(t, p.URL+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("jag serve did not stop on SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, p.Logs())
	}
}

// Two replicas started at the same moment against one empty database both
// come up, and the migrations are applied once.
func TestTwoReplicasStartOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyURL(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	procs := startReplicas(t, 2, url)
	for i, p := range procs {
		if code, _ := get(t, p.URL+"/readyz"); code != 200 {
			t.Fatalf("replica %d /readyz = %d", i, code)
		}
	}
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(all) || distinct != len(all) {
		t.Fatalf("schema_migrations has %d rows (%d distinct), want %d", n, distinct, len(all))
	}
}
