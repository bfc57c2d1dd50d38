package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Where a cluster lives.
//
// Normally everything is inside the data directory: pgdata/, run/ (the
// socket) and owner.pid. PostgreSQL refuses to run as root, so a root
// process runs the server as the "postgres" account; when that account
// cannot enter the data directory (a clone under /root, mode 700), the
// cluster lives in its own directory under ExternalRoot instead and the
// data directory only holds the file "cluster-dir" naming it. JAG never
// changes the mode or owner of a directory it did not create.
const (
	pointerFile = "cluster-dir" // in the data dir: the external cluster's path
	backFile    = "data-dir"    // in an external cluster dir: its data dir
)

// ExternalRoot holds the clusters of data directories the server account
// cannot reach (root only). A variable for tests.
var ExternalRoot = "/var/lib/jag-postgres"

// clusterDir returns the directory holding the cluster of dataDir: the
// one named by its pointer file, or dataDir itself.
func clusterDir(dataDir string) (dir string, external bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, pointerFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dataDir, false, nil
	case err != nil:
		return "", false, fmt.Errorf("read %s: %w", filepath.Join(dataDir, pointerFile), err)
	}
	dir = strings.TrimSpace(string(b))
	if !filepath.IsAbs(dir) {
		return "", false, fmt.Errorf("%s must hold an absolute path, not %q", filepath.Join(dataDir, pointerFile), dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "pgdata")); err != nil {
		return "", false, fmt.Errorf("%s names %s as this data dir's cluster, but it is gone (%v): "+
			"remove %s to start a new, empty cluster", filepath.Join(dataDir, pointerFile), dir, err, filepath.Join(dataDir, pointerFile))
	}
	return dir, true, nil
}

// account is the user the server runs as: nil means this process's user.
type account struct {
	cred *syscall.Credential
	name string
}

// newAccount is the account a new cluster runs as.
func newAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{name: currentUser()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("PostgreSQL refuses to run as root, and there is no 'postgres' account to run it as (%v): "+
			"install the PostgreSQL server package (it creates that account), run jag as an unprivileged user, or set --database-url", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, name: "postgres"}, nil
}

// existingAccount is the account an existing cluster runs as: the owner of
// its pgdata (PostgreSQL runs only as the owner of its files).
func existingAccount(pgdata string) (account, error) {
	st, err := os.Stat(pgdata)
	if err != nil {
		return account{}, fmt.Errorf("inspect %s: %w", pgdata, err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	name := userName(sys.Uid)
	switch {
	case sys.Uid == 0:
		return account{}, fmt.Errorf("%s belongs to root, and PostgreSQL refuses to run as root: remove it to start afresh "+
			"(rm -rf %s), or give it to the account that should run it (chown -R postgres: %s)", pgdata, filepath.Dir(pgdata), pgdata)
	case os.Geteuid() == 0:
		gid := sys.Gid
		if u, err := user.LookupId(strconv.Itoa(int(sys.Uid))); err == nil {
			if g, err := strconv.Atoi(u.Gid); err == nil {
				gid = uint32(g)
			}
		}
		return account{cred: &syscall.Credential{Uid: sys.Uid, Gid: gid}, name: name}, nil
	case int(sys.Uid) != os.Geteuid():
		return account{}, fmt.Errorf("%s belongs to user %s, and PostgreSQL runs only as the owner of its files: "+
			"run jag as %s (sudo -u %s jag …) or as root, or choose another --data-dir", pgdata, name, name, name)
	}
	return account{name: name}, nil
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Geteuid())
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(int(uid))
}

// mkdirs creates dir and its missing parents with mode perm and returns
// the directories it created, outermost first.
func mkdirs(dir string, perm os.FileMode) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("inspect %s: %w", d, err)
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for _, d := range missing {
		if err := os.Mkdir(d, perm); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // created concurrently: not ours
			}
			return created, fmt.Errorf("create %s: %w", d, err)
		}
		if err := os.Chmod(d, perm); err != nil { // umask
			return created, fmt.Errorf("chmod %s: %w", d, err)
		}
		created = append(created, d)
	}
	return created, nil
}

// nearestExisting returns dir or its closest existing ancestor.
func nearestExisting(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			return d
		}
	}
}

// chown gives the directories JAG created to the server account.
func (a account) chown(dirs ...string) error {
	if a.cred == nil {
		return nil
	}
	for _, d := range dirs {
		if err := os.Chown(d, int(a.cred.Uid), int(a.cred.Gid)); err != nil {
			return fmt.Errorf("give %s to %s: %w", d, a.name, err)
		}
	}
	return nil
}

// owns checks that dir, which the server writes its socket into, belongs
// to the account (a directory in /tmp could be another user's).
func (a account) owns(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", dir, err)
	}
	want := uint32(os.Geteuid())
	if a.cred != nil {
		want = a.cred.Uid
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; uid != want {
		return fmt.Errorf("socket directory %s belongs to %s, not to %s, which runs PostgreSQL: remove it (it is re-created)", dir, userName(uid), a.name)
	}
	return nil
}

// canEnter reports whether the account can change into dir (every
// ancestor searchable, ACLs included): it runs `postgres -V` there as the
// account.
func (c *Cluster) canEnter(dir string) error {
	if c.acct.cred == nil {
		return nil
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), "-V")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.acct.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// place decides where a new cluster of c.dataDir lives and creates its
// directory: inside the data dir when the server account can reach it,
// otherwise under ExternalRoot. It returns one line saying what it chose.
func (c *Cluster) place() (string, error) {
	if c.acct.cred == nil || c.canEnter(nearestExisting(c.dataDir)) == nil {
		created, err := mkdirs(c.dataDir, 0o700)
		if err != nil {
			return "", err
		}
		if err := c.acct.chown(created...); err != nil {
			return "", err
		}
		c.dir = c.dataDir
		if c.acct.cred == nil {
			return fmt.Sprintf("created the embedded PostgreSQL cluster in %s, run as user %s", c.pgdataOf(), c.acct.name), nil
		}
		return fmt.Sprintf("created the embedded PostgreSQL cluster in %s, run as user %s because PostgreSQL refuses to run as root", c.pgdataOf(), c.acct.name), nil
	}
	reason := c.canEnter(nearestExisting(c.dataDir))
	if _, err := mkdirs(c.dataDir, 0o700); err != nil { // stays root's: it only holds the pointer
		return "", err
	}
	if _, err := mkdirs(ExternalRoot, 0o711); err != nil {
		return "", fmt.Errorf("user %s cannot reach %s (%v), so its cluster would live under %s, which cannot be created: %w; "+
			"run jag as an unprivileged user, choose a --data-dir the postgres account can reach (e.g. under /srv), or set --database-url",
			c.acct.name, c.dataDir, reason, ExternalRoot, err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	dir := filepath.Join(ExternalRoot, filepath.Base(c.dataDir)+"-"+hex.EncodeToString(rnd[:]))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := c.acct.chown(dir); err != nil {
		return "", err
	}
	if err := c.canEnter(dir); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("user %s cannot reach %s either (%v): make %s searchable by it, or run jag as an unprivileged user", c.acct.name, dir, err, filepath.Dir(ExternalRoot))
	}
	if err := os.WriteFile(filepath.Join(dir, backFile), []byte(c.dataDir+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Join(dir, backFile), err)
	}
	if err := writeFileAtomic(filepath.Join(c.dataDir, pointerFile), []byte(dir+"\n"), 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	c.dir = dir
	msg := fmt.Sprintf("created the embedded PostgreSQL cluster in %s: PostgreSQL refuses to run as root, and user %s cannot reach %s, "+
		"so the cluster lives there and %s names it; to reset, stop jag and remove both", c.pgdataOf(), c.acct.name, c.dataDir, filepath.Join(c.dataDir, pointerFile))
	return msg, nil
}

func (c *Cluster) pgdataOf() string { return filepath.Join(c.dir, "pgdata") }

// strayClusters lists the clusters under ExternalRoot whose data dir no
// longer names them (its data dir was removed without them).
func strayClusters() []string {
	entries, _ := os.ReadDir(ExternalRoot)
	var stray []string
	for _, e := range entries {
		dir := filepath.Join(ExternalRoot, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, backFile))
		if err != nil {
			continue
		}
		p, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(b)), pointerFile))
		if err != nil || strings.TrimSpace(string(p)) != dir {
			stray = append(stray, dir)
		}
	}
	return stray
}

// writeFileAtomic writes path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
