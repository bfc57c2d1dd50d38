package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// stockPostgres accepts one connection like a PostgreSQL server without
// TLS: it answers an SSLRequest with 'N' and reports what the client sent
// first ("ssl" or "startup").
func stockPostgres(t *testing.T) (addr string, first <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				var hdr [8]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return
				}
				if binary.BigEndian.Uint32(hdr[4:]) == 80877103 {
					ch <- "ssl"
					_, _ = c.Write([]byte("N"))
					return
				}
				ch <- "startup"
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// The Dockerfile's documented database URL connects to a stock PostgreSQL
// (no TLS) instead of failing on lib/pq's sslmode=require default, and the
// Dockerfile says which TLS mode it uses.
func TestDockerfileDatabaseURL(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`JAG_DATABASE_URL='([^']+)'`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the Dockerfile documents no JAG_DATABASE_URL")
	}
	documented, err := url.Parse(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "sslmode=disable, i.e. no TLS") || !strings.Contains(string(b), "sslmode=verify-full") {
		t.Fatal("the Dockerfile does not say which TLS mode the URL uses and how to require TLS")
	}
	try := func(u url.URL) string {
		addr, first := stockPostgres(t)
		u.Host = addr
		db, err := sql.Open("postgres", u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
		select {
		case f := <-first:
			return f + ": " + errString(err)
		case <-time.After(5 * time.Second):
			t.Fatalf("no connection reached the server: %v", err)
		}
		return ""
	}
	if got := try(*documented); !strings.HasPrefix(got, "startup") {
		t.Fatalf("the documented URL: %s", got)
	}
	// Control: without sslmode, lib/pq asks for TLS and gives up.
	noMode := *documented
	noMode.RawQuery = ""
	if got := try(noMode); !strings.HasPrefix(got, "ssl") || !strings.Contains(got, "SSL is not enabled on the server") {
		t.Fatalf("without sslmode: %s", got)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// dockerIgnored applies .dockerignore patterns the way Docker does for
// these simple forms: a pattern names a path from the context root (or at
// any depth with a leading **/) and excludes everything below it.
func dockerIgnored(patterns []string, path string) bool {
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		for i := range parts {
			for j := i + 1; j <= len(parts); j++ {
				if !anyDepth && i > 0 {
					continue
				}
				if ok, _ := filepath.Match(p, strings.Join(parts[i:j], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

// .dockerignore keeps local state and build output out of the context and
// keeps every file the image build needs.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	for _, p := range []string{"jag-data/pgdata/PG_VERSION", "jag-data/cluster-dir", "bin/jag", ".git/HEAD", "bench.txt", "cmd/jag/jag.test", "stix/testdata/fuzz/FuzzDecode/abc"} {
		if !dockerIgnored(patterns, p) {
			t.Errorf("%s enters the build context", p)
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{range .GoFiles}}{{$.Dir}}/{{.}}\n{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}\n{{end}}{{end}}", "./").Output()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	needed := []string{"go.mod", "go.sum", "deploy/Dockerfile"}
	for _, f := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(rel, "..") {
			needed = append(needed, rel)
		}
	}
	if len(needed) < 20 {
		t.Fatalf("only %d files found to check", len(needed))
	}
	for _, f := range needed {
		if dockerIgnored(patterns, f) {
			t.Errorf("%s, needed by the image build, is ignored", f)
		}
	}
}

// The systemd unit documents admin commands run as its service user with
// its data dir.
func TestSystemdUnitDocumentsAdminCommands(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../deploy/jag.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	user := regexp.MustCompile(`(?m)^User=(\S+)$`).FindStringSubmatch(unit)
	dir := regexp.MustCompile(`(?m)^Environment=JAG_DATA_DIR=(\S+)$`).FindStringSubmatch(unit)
	if user == nil || dir == nil {
		t.Fatal("the unit sets no User= or JAG_DATA_DIR")
	}
	if want := "sudo -u " + user[1] + " JAG_DATA_DIR=" + dir[1] + " jag participant list"; !strings.Contains(unit, want) {
		t.Fatalf("the unit does not document %q", want)
	}
}

// jag healthcheck: exit 0 on a ready hub (0.0.0.0 probed on loopback, as
// in the image), 1 with the reason otherwise; bad flags are usage errors.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	m, _ := startMain(t, pgtest.URL(t))
	_, port, _ := net.SplitHostPort(m.Addr())
	check := func(vars map[string]string, args ...string) (int, string, string) {
		e, out, errb := testEnv(vars)
		code := run(context.Background(), e, append([]string{"healthcheck"}, args...))
		return code, out.String(), errb.String()
	}
	if code, out, errb := check(map[string]string{"JAG_ADDR": "0.0.0.0:" + port}); code != 0 || out != "http://127.0.0.1:"+port+`/readyz: {"status":"ready"}`+"\n" {
		t.Fatalf("ready hub: exit %d %q %q", code, out, errb)
	}
	if code, _, errb := check(nil, "--server", "http://"+m.Addr(), "--live"); code != 0 {
		t.Fatalf("--live: exit %d %s", code, errb)
	}
	unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"database unavailable"}`)
	}))
	defer unready.Close()
	if code, out, errb := check(nil, "--server", unready.URL); code != 1 || out != "" || !strings.Contains(errb, "answered 503 Service Unavailable: {\"status\":\"database unavailable\"}") {
		t.Fatalf("503: exit %d %q %q", code, out, errb)
	}
	if code, _, errb := check(map[string]string{"JAG_ADDR": freeAddr(t)}); code != 1 || !strings.Contains(errb, "connection refused") {
		t.Fatalf("nothing listening: exit %d %q", code, errb)
	}
	for _, args := range [][]string{{"--addr", "8080"}, {"--server", "ftp://x"}, {"--timeout", "0s"}, {"extra"}} {
		if code, _, errb := check(nil, args...); code != 2 {
			t.Fatalf("%v: exit %d %s", args, code, errb)
		}
	}
}
