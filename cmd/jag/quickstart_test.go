package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestQuickStart runs the README's quick start exactly as a new user
// would, in a fresh copy of the source tree under a mode-700 home
// directory: `make run`, /readyz answers, Ctrl-C, `make run` again, `make
// demo` in a second terminal, Ctrl-C; no PostgreSQL process survives a
// stop. It runs once as root (where PostgreSQL must run as another
// account that cannot enter the home directory) and once as an
// unprivileged user (created if absent). It is slow (the Makefile builds
// the binary each time, with the build cache of this machine), so -short
// leaves it out; `make test` and CI run it.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the quick start builds the binary with make")
	}
	src, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files := sourceFiles(t, src)
	cache := goEnv(t, "GOCACHE")
	modcache := goEnv(t, "GOMODCACHE")
	// The end-to-end tests' binary is built the way the Makefile builds
	// (goBuild: -trimpath, so the cache entries do not depend on where the
	// tree is): every `make` below only links, and the unprivileged user's
	// cache copy is warm.
	jagBinary(t)

	t.Run("root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("not running as root")
		}
		t.Parallel()
		base := quickStartBase(t)
		home := filepath.Join(base, "root")
		copyTree(t, src, filepath.Join(home, "jag"), files)
		if err := os.Chmod(home, 0o700); err != nil {
			t.Fatal(err)
		}
		runQuickStart(t, quickUser{home: home, gocache: cache, modcache: modcache}, filepath.Join(home, "jag"))
	})
	t.Run("unprivileged", func(t *testing.T) {
		t.Parallel()
		base := quickStartBase(t)
		u := quickUser{home: filepath.Join(base, "home"), gocache: cache, modcache: modcache}
		if os.Geteuid() == 0 {
			cred := unprivilegedUser(t)
			u.cred = cred
			// The user's own build caches: hard links to this machine's
			// (read-only entries), in directories the user owns.
			// The go command marks a cache entry used by setting its
			// mtime when it is over an hour old, so the entries the
			// build used are the ones of the last hour before it (a missed
			// one would only be compiled again).
			u.gocache = linkTree(t, cache, filepath.Join(base, "gocache"), cred, true, testsStarted.Add(-time.Hour-time.Minute))
			u.modcache = linkTree(t, modcache, filepath.Join(base, "gomodcache"), cred, false, time.Time{})
		}
		copyTree(t, src, filepath.Join(u.home, "jag"), files)
		if u.cred != nil {
			chownTree(t, u.home, u.cred)
		}
		if err := os.Chmod(u.home, 0o700); err != nil {
			t.Fatal(err)
		}
		runQuickStart(t, u, filepath.Join(u.home, "jag"))
	})
}

// testsStarted is when this test binary started, before it built jag.
var testsStarted = time.Now()

// quickUser is who runs the quick start, and with which Go caches.
type quickUser struct {
	cred     *syscall.Credential // nil: this process's user
	home     string
	gocache  string
	modcache string
}

func runQuickStart(t *testing.T, u quickUser, clone string) {
	addr := freeAddr(t)
	env := []string{
		"HOME=" + u.home, "USER=", "LANG=C",
		"PATH=" + filepath.Dir(goBin(t)) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOCACHE=" + u.gocache, "GOMODCACHE=" + u.modcache, "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=",
		// The port of a test, not 8080, which a developer's hub may hold.
		"JAG_ADDR=" + addr, "JAG_SERVER=http://" + addr,
	}
	make := func(target string) *exec.Cmd {
		cmd := exec.Command("make", target)
		cmd.Dir, cmd.Env = clone, env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: u.cred}
		return cmd
	}

	// make run; /readyz; Ctrl-C.
	run1 := startMake(t, make("run"))
	waitReady(t, "http://"+addr, run1)
	if !strings.Contains(run1.out.String(), "created the embedded PostgreSQL cluster") {
		t.Fatalf("the first start does not say where the cluster is:\n%s", run1.out.String())
	}
	pgdata := quickStartPgdata(t, clone)
	// Who runs PostgreSQL: the user itself, or for root the postgres
	// account, whose cluster then lives outside the unreachable home.
	st, err := os.Stat(pgdata)
	if err != nil {
		t.Fatal(err)
	}
	owner := st.Sys().(*syscall.Stat_t).Uid
	switch {
	case u.cred != nil && owner != u.cred.Uid:
		t.Fatalf("%s belongs to uid %d, want the quick start's user %d", pgdata, owner, u.cred.Uid)
	case u.cred == nil && os.Geteuid() == 0 && (owner == 0 || strings.HasPrefix(pgdata, u.home)):
		t.Fatalf("as root, pgdata %s (uid %d) should be the postgres account's, outside the mode-700 home", pgdata, owner)
	}
	t.Cleanup(func() {
		if ext := filepath.Dir(pgdata); !strings.HasPrefix(ext, clone) {
			os.RemoveAll(ext)
		}
	})
	run1.interrupt(t)
	waitNoClusterProcs(t, pgdata)

	// make run again: the same cluster, no new initialisation.
	run2 := startMake(t, make("run"))
	waitReady(t, "http://"+addr, run2)
	if strings.Contains(run2.out.String(), "created the embedded") {
		t.Fatalf("the second start re-created the cluster:\n%s", run2.out.String())
	}
	// make demo, in a second terminal.
	demo := make("demo")
	var demoOut bytes.Buffer
	demo.Stdout, demo.Stderr = &demoOut, &demoOut
	if err := demo.Run(); err != nil {
		t.Fatalf("make demo: %v\n%s\nhub:\n%s", err, demoOut.String(), run2.out.String())
	}
	for _, want := range []string{"A hub is running at http://" + addr, "new object versions", "(exact match)", "Indicators by Amnesty International Security Lab"} {
		if !strings.Contains(demoOut.String(), want) {
			t.Errorf("make demo output lacks %q:\n%s", want, demoOut.String())
		}
	}
	run2.interrupt(t)
	waitNoClusterProcs(t, pgdata)

	// The README's reset removes the data dir and the cluster it names.
	reset := exec.Command("bash", "-euc", readmeReset(t))
	reset.Dir, reset.Env = clone, env
	reset.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	if out, err := reset.CombinedOutput(); err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	for _, gone := range []string{filepath.Join(clone, "jag-data"), filepath.Dir(pgdata)} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Fatalf("after the README's reset, %s remains (%v)", gone, err)
		}
	}

	// make demo alone, with no hub running, starts and stops its own.
	demo = make("demo")
	demoOut.Reset()
	demo.Stdout, demo.Stderr = &demoOut, &demoOut
	err = demo.Run()
	pgdata2 := quickStartPgdata(t, clone)
	t.Cleanup(func() {
		if ext := filepath.Dir(pgdata2); !strings.HasPrefix(ext, clone) {
			os.RemoveAll(ext)
		}
	})
	if err != nil || !strings.Contains(demoOut.String(), "so the demo starts one") || !strings.Contains(demoOut.String(), "(exact match)") {
		t.Fatalf("make demo without a hub: %v\n%s", err, demoOut.String())
	}
	waitNoClusterProcs(t, pgdata2)

	if u.cred == nil {
		// make install puts the binary where DESTDIR and PREFIX say.
		dest := filepath.Join(filepath.Dir(u.home), "dest")
		install := make("install")
		install.Env = append(install.Env, "DESTDIR="+dest, "PREFIX=/opt/jag")
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("make install: %v\n%s", err, out)
		}
		out, err := exec.Command(filepath.Join(dest, "opt/jag/bin/jag"), "--version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "jag ") {
			t.Fatalf("installed jag --version: %v %s", err, out)
		}
	}
}

// quickStartPgdata is the pgdata of the clone's ./jag-data: inside it, or
// where its cluster-dir file says (root, home out of postgres's reach).
func quickStartPgdata(t *testing.T, clone string) string {
	t.Helper()
	dataDir := filepath.Join(clone, "jag-data")
	if b, err := os.ReadFile(filepath.Join(dataDir, "cluster-dir")); err == nil {
		return filepath.Join(strings.TrimSpace(string(b)), "pgdata")
	}
	return filepath.Join(dataDir, "pgdata")
}

// makeProc is a running `make run`.
type makeProc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func startMake(t *testing.T, cmd *exec.Cmd) *makeProc {
	t.Helper()
	p := &makeProc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("make %s output:\n%s", strings.Join(cmd.Args[1:], " "), p.out.String())
		}
	})
	return p
}

// interrupt is Ctrl-C: SIGINT to the foreground process group.
func (p *makeProc) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("make run did not stop on Ctrl-C:\n%s", p.out.String())
	}
	if !strings.Contains(p.out.String(), "jag stopped") {
		t.Fatalf("the hub did not stop cleanly:\n%s", p.out.String())
	}
}

func waitReady(t *testing.T, base string, p *makeProc) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // includes the build
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("make run exited:\n%s", p.out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cancel()
			if resp.StatusCode == 200 && strings.TrimSpace(string(body)) == `{"status":"ready"}` {
				return
			}
		} else {
			cancel()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("/readyz not ready:\n%s", p.out.String())
}

func goBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	p, err = filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// quickStartBase is a temporary directory others may traverse (not list),
// holding the home directories.
func quickStartBase(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "jagqs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o711); err != nil {
		t.Fatal(err)
	}
	return base
}

// copyTree copies the NUL-separated list of files from src to dst.
func copyTree(t *testing.T, src, dst string, list []byte) {
	t.Helper()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		from := filepath.Join(src, name)
		st, err := os.Lstat(from)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// unprivilegedUser returns the account the unprivileged quick start runs
// as, creating the system user "jagqs" when it does not exist.
func unprivilegedUser(t *testing.T) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("jagqs")
	if err != nil {
		out, err := exec.Command("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "jagqs").CombinedOutput()
		if err != nil && !strings.Contains(string(out), "already exists") {
			t.Fatalf("useradd jagqs: %v %s", err, out)
		}
		if u, err = user.Lookup("jagqs"); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == 0 {
		t.Fatal("jagqs is root")
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
}

func chownTree(t *testing.T, dir string, c *syscall.Credential) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(c.Uid), int(c.Gid))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// linkTree mirrors src at dst with hard links (copies across file
// systems), leaving out files last modified before since (zero: none);
// the directories belong to the user when writable is set.
func linkTree(t *testing.T, src, dst string, c *syscall.Credential, writable bool, since time.Time) string {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // removed meanwhile (cache trimming)
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			if writable {
				return os.Chown(to, int(c.Uid), int(c.Gid))
			}
			return nil
		case info.Mode().IsRegular() && !info.ModTime().Before(since):
			if err := os.Link(p, to); err != nil {
				b, rerr := os.ReadFile(p)
				if rerr != nil {
					return nil // removed meanwhile
				}
				return os.WriteFile(to, b, 0o644)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("mirror %s: %v", src, err)
	}
	return dst
}

// readmeReset is the shell block under "Reset a local install" in the
// README, as written.
func readmeReset(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "**Reset a local install.**")
	if !ok {
		t.Fatal("README has no reset instructions")
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatal("README reset instructions have no shell block")
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// sourceFiles lists the tree's files as a fresh clone would have them
// (NUL-separated): git's view when src is a checkout, else every file but
// build output, local state and version control.
func sourceFiles(t *testing.T, src string) []byte {
	t.Helper()
	if out, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		return out
	}
	var list []byte
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() && (rel == ".git" || rel == "bin" || rel == "jag-data" || info.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if info.Mode().IsRegular() {
			list = append(append(list, rel...), 0)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}
