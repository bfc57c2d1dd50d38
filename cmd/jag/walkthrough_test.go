package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestReadmeWalkthrough runs every command of the README's "Walk-through"
// section exactly as written, in order, in one bash whose output is a
// terminal (so the commands print what a person sees), against a real
// `jag serve` on a free port. The test only sets the environment the
// README names (JAG_SERVER; JAG_DATABASE_URL for the admin commands) and
// paces the commands as a person would: it sends the next one when the
// previous has finished and what the README says to wait for has been
// printed. Each command must exit 0 and print its expected key part (the
// table below, one entry per command, in README order: a command added to
// the section without an entry fails the test); each ```text block of the
// section must appear in the output of the commands before it ("…" stands
// for any text).
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	blocks := readmeWalkthrough(t)
	var cmds []walkCommand
	for bi, b := range blocks {
		for _, c := range b.commands {
			cmds = append(cmds, walkCommand{text: c, block: bi})
		}
	}
	if len(cmds) != len(walkSteps) {
		for i, c := range cmds {
			t.Logf("README command %d: %s", i+1, c.text)
		}
		t.Fatalf("the README walk-through has %d commands, the test expects %d (update walkSteps with the key output of each)", len(cmds), len(walkSteps))
	}
	for i, c := range cmds {
		if !strings.Contains(c.text, walkSteps[i].command) {
			t.Fatalf("README command %d is %q; the test expects one containing %q", i+1, c.text, walkSteps[i].command)
		}
	}

	dbURL := pgtest.URL(t)
	p := startServe(t, dbURL)
	dir := t.TempDir()
	installForWalkthrough(t, dir)
	sh := startTerminalShell(t, dir, []string{
		"HOME=" + dir, "LANG=C", "TERM=xterm",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"JAG_SERVER=" + p.URL,
		"JAG_DATABASE_URL=" + dbURL,
	})

	blockStart := make([]int, len(blocks)+1)
	for i := range blockStart {
		blockStart[i] = -1
	}
	for i, c := range cmds {
		step := walkSteps[i]
		if blockStart[c.block] < 0 {
			blockStart[c.block] = sh.offset()
		}
		rc, out := sh.run(t, i+1, c.text)
		if rc != 0 {
			t.Fatalf("README command %d `%s` exited %d:\n%s", i+1, c.text, rc, out)
		}
		if step.output != nil && !step.output.MatchString(out) {
			t.Fatalf("README command %d `%s` printed:\n%s\nwant it to match %s", i+1, c.text, out, step.output)
		}
		if step.waitFor != "" {
			sh.waitFor(t, blockStart[c.block], step.waitFor, c.text)
		}
		if step.check != nil {
			if err := step.check(dir); err != nil {
				t.Fatalf("after README command %d `%s`: %v", i+1, c.text, err)
			}
		}
	}
	blockStart[len(blocks)] = sh.offset()

	// The output the README shows is the output the commands printed.
	for bi, b := range blocks {
		got := sh.text(blockStart[bi], blockStart[bi+1])
		for _, want := range b.shown {
			if !outputHasLine(got, want) {
				t.Errorf("the README shows %q after its block %d, not in what it printed:\n%s", want, bi+1, got)
			}
		}
	}
	sh.close(t)

	// What the walk-through shared is in the hub, by the walk-through's
	// organisation: the three indicators, seen with its read token.
	tok, err := os.ReadFile(filepath.Join(dir, "read.token"))
	if err != nil {
		t.Fatal(err)
	}
	a := hubGet(t, p.URL+"/v1/objects?created_by="+walkOrg, strings.TrimSpace(string(tok)))
	if a.Status != http.StatusOK || strings.Count(string(a.Raw), `"type":"indicator"`) != 3 {
		t.Fatalf("GET /v1/objects?created_by=%s: %d %s", walkOrg, a.Status, a.Raw)
	}
}

// walkOrg is the participant the README walk-through registers.
const walkOrg = "identity--690e1ec2-3c05-433b-8202-4f1dfaa6be0f"

// walkStep is what one README command must do: contain command, exit 0,
// print output, then (for what it makes happen later, such as a
// background subscriber's lines) print waitFor before the next command;
// check looks at the files it wrote.
type walkStep struct {
	command string
	output  *regexp.Regexp
	waitFor string
	check   func(dir string) error
}

var nothing = regexp.MustCompile(`^\s*$`)

// walkSteps are the README walk-through's commands, in order.
var walkSteps = []walkStep{
	{command: "ORG=identity--", output: nothing},
	{command: "HUB=${JAG_SERVER:-", output: nothing},
	{command: "./bin/jag keygen --out cert-lu.jwk > cert-lu.pub.jwk", output: nothing,
		check: fileMatches("cert-lu.pub.jwk", `"kty":"OKP"`, `"d":`)},
	{command: "./bin/jag participant add --id $ORG", output: regexp.MustCompile(`added participant ` + walkOrg + ` "CERT-LU"`)},
	{command: "./bin/jag key add --participant $ORG", output: regexp.MustCompile(`added EdDSA key \S+ for ` + walkOrg)},
	{command: "--scope submit --ttl 8h > submit.token", output: nothing, check: fileMatches("submit.token", `^ey[\w-]+\.[\w-]+\.[\w-]+\n$`, "")},
	{command: "--scope read --ttl 8h > read.token", output: nothing, check: fileMatches("read.token", `^ey[\w-]+\.[\w-]+\.[\w-]+\n$`, "")},
	{command: "./bin/jag validate cmd/jag/testdata/walkthrough/campaign.json", output: regexp.MustCompile(`valid: 2 objects`)},
	{command: "./bin/jag sign --key cert-lu.jwk --as $ORG", output: nothing,
		check: fileMatches("campaign.signed.json", `"created_by_ref":"`+walkOrg+`"`, "")},
	{command: "./bin/jag submit --token-file submit.token campaign.signed.json", output: regexp.MustCompile(`accepted 2 new objects; submission submission--`)},
	{command: "./bin/jag submit --token-file submit.token campaign.signed.json", output: regexp.MustCompile(`already stored: nothing new`)},
	{command: "./bin/jag query --token-file read.token --label phishing", output: regexp.MustCompile(`(?s)Phishing kit hosting network .*2 objects, no more match`)},
	{command: "./bin/jag lookup --token-file read.token 203.0.113.45", output: regexp.MustCompile(`(?s)203\.0\.113\.45 is inside 203\.0\.113\.0/24 .*cdn\.login-portal\.example\.net is under login-portal\.example\.net`)},
	{command: "./bin/jag provenance --token-file read.token indicator--9415c2cc", output: regexp.MustCompile(`(?s)signer +CERT-LU .*verified here: the hub's account of this version checks out`)},
	{command: "./bin/jag subscribe --token-file read.token --watch 198.51.100.23 &", waitFor: "jag subscribe: connected to ws://"},
	{command: "relay.json > relay.signed.json", output: nothing},
	{command: "./bin/jag submit --token-file submit.token relay.signed.json", output: regexp.MustCompile(`accepted 1 new object`),
		waitFor: "198.51.100.23 is inside 198.51.100.0/24"},
	{command: "kill %1", waitFor: "jag subscribe: stopped after 1 event"},
	{command: "indicator--d2ed1ffb-6992-4b44-a7d0-f8de6cec199d > relay.stored.json", output: nothing,
		check: fileMatches("relay.stored.json", `^\{.*"id":"indicator--d2ed1ffb-6992-4b44-a7d0-f8de6cec199d".*\}\n$`, "")},
	{command: "./bin/jag verify --token-file read.token --jwks $HUB/v1/participants/$ORG/jwks relay.stored.json", output: regexp.MustCompile(`all 1 signed object verified`)},
}

// fileMatches checks that the file name in the walk-through's directory
// matches re and, when not empty, does not contain absent.
func fileMatches(name, re, absent string) func(dir string) error {
	rx := regexp.MustCompile(re)
	return func(dir string) error {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if !rx.Match(b) || (absent != "" && bytes.Contains(b, []byte(absent))) {
			return fmt.Errorf("%s holds %.300q, want %s without %q", name, b, re, absent)
		}
		return nil
	}
}

// walkBlock is one ```sh block of the section: its commands, and the
// lines of the ```text blocks that follow it.
type walkBlock struct {
	commands []string
	shown    []string
}

type walkCommand struct {
	text  string
	block int
}

// readmeWalkthrough parses the README's "## Walk-through" section (up to
// the next "## " heading). It fails if the section is missing or has no
// command.
func readmeWalkthrough(t *testing.T) []walkBlock {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Walk-through\n")
	if !ok {
		t.Fatal("the README has no \"## Walk-through\" section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var blocks []walkBlock
	lines := strings.Split(section, "\n")
	for i := 0; i < len(lines); i++ {
		kind, isFence := strings.CutPrefix(lines[i], "```")
		if !isFence {
			continue
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		switch kind {
		case "sh":
			blocks = append(blocks, walkBlock{commands: shellCommands(body)})
		case "text":
			if len(blocks) == 0 {
				t.Fatal("the walk-through shows output before any command")
			}
			blocks[len(blocks)-1].shown = append(blocks[len(blocks)-1].shown, body...)
		}
	}
	n := 0
	for _, b := range blocks {
		n += len(b.commands)
	}
	if n == 0 {
		t.Fatal("the README's walk-through has no ```sh block with a command")
	}
	return blocks
}

// shellCommands splits a shell block into commands: one per line, lines
// ending in a backslash joined with the next, comment and blank lines left
// out.
func shellCommands(lines []string) []string {
	var out []string
	cur := ""
	for _, l := range lines {
		if cur == "" && (strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += l + "\n"
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	if cur != "" {
		out = append(out, strings.TrimSuffix(cur, "\n"))
	}
	return out
}

// outputHasLine reports whether some line of out matches want, "…" in
// want standing for any text.
func outputHasLine(out, want string) bool {
	parts := strings.Split(strings.TrimRight(want, " "), "…")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	rx := regexp.MustCompile(`^` + strings.Join(parts, `.*`) + `$`)
	for _, l := range strings.Split(out, "\n") {
		if rx.MatchString(strings.TrimRight(l, " ")) {
			return true
		}
	}
	return false
}

// installForWalkthrough lays out dir like the clone after `make run`:
// ./bin/jag and the walk-through's example bundles.
func installForWalkthrough(t *testing.T, dir string) {
	t.Helper()
	copyFile(t, jagBinary(t), filepath.Join(dir, "bin", "jag"), 0o755)
	const data = "testdata/walkthrough"
	entries, err := os.ReadDir(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(data, e.Name()), filepath.Join(dir, "cmd", "jag", data, e.Name()), 0o644)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// terminalShell is one bash whose standard streams are a pseudo-terminal
// and which reads its commands, as written, from a pipe (fd 3), so that
// the commands it runs find a terminal like a person's and cannot read
// the commands that follow.
type terminalShell struct {
	cmd    *exec.Cmd
	script io.WriteCloser
	mu     sync.Mutex
	out    []byte // everything written to the terminal, \r removed
	grew   chan struct{}
	done   chan struct{}
}

// stepMarker is what the shell prints after command N with its status.
var stepMarker = regexp.MustCompile("\x1ewalkthrough step (\\d+) exit (\\d+)\x1e\n")

func startTerminalShell(t *testing.T, dir string, env []string) *terminalShell {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "/dev/fd/3")
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.ExtraFiles = []*os.File{pr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	pr.Close()
	sh := &terminalShell{cmd: cmd, script: pw, grew: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				sh.mu.Lock()
				sh.out = append(sh.out, bytes.ReplaceAll(buf[:n], []byte("\r"), nil)...)
				sh.mu.Unlock()
				select {
				case sh.grew <- struct{}{}:
				default:
				}
			}
			if err != nil { // EIO once bash and every job it started are gone
				master.Close()
				close(sh.done)
				return
			}
		}
	}()
	t.Cleanup(func() {
		pw.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the session: bash and its jobs
		_ = cmd.Wait()
		select {
		case <-sh.done:
		case <-time.After(10 * time.Second):
		}
		if t.Failed() {
			t.Logf("walk-through terminal:\n%s", sh.text(0, -1))
		}
	})
	return sh
}

// walkTimeout bounds one command, and each wait for a line it promises.
const walkTimeout = 90 * time.Second

// run sends command n as written, then a line printing its exit status,
// and waits for that status; it returns the status and what the terminal
// showed meanwhile.
func (sh *terminalShell) run(t *testing.T, n int, command string) (int, string) {
	t.Helper()
	start := sh.offset()
	if _, err := fmt.Fprintf(sh.script, "%s\nprintf '\\036walkthrough step %d exit %%d\\036\\n' \"$?\"\n", command, n); err != nil {
		t.Fatalf("send README command %d: %v", n, err)
	}
	deadline := time.After(walkTimeout)
	for {
		sh.mu.Lock()
		seen := string(sh.out[start:])
		sh.mu.Unlock()
		for _, m := range stepMarker.FindAllStringSubmatchIndex(seen, -1) {
			if seen[m[2]:m[3]] == strconv.Itoa(n) {
				rc, _ := strconv.Atoi(seen[m[4]:m[5]])
				return rc, seen[:m[0]]
			}
		}
		select {
		case <-sh.grew:
		case <-sh.done:
			t.Fatalf("the shell ended during README command %d `%s`:\n%s", n, command, seen)
		case <-deadline:
			t.Fatalf("README command %d `%s` did not finish in %s:\n%s", n, command, walkTimeout, seen)
		}
	}
}

// waitFor waits until the terminal shows want after offset from.
func (sh *terminalShell) waitFor(t *testing.T, from int, want, command string) {
	t.Helper()
	deadline := time.After(walkTimeout)
	for {
		if strings.Contains(sh.text(from, -1), want) {
			return
		}
		select {
		case <-sh.grew:
		case <-sh.done:
			t.Fatalf("the shell ended before `%s` printed %q", command, want)
		case <-deadline:
			t.Fatalf("`%s` did not print %q within %s:\n%s", command, want, walkTimeout, sh.text(from, -1))
		}
	}
}

func (sh *terminalShell) offset() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.out)
}

// text is the terminal's output from offset from to offset to (-1: now),
// without the status lines.
func (sh *terminalShell) text(from, to int) string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if to < 0 || to > len(sh.out) {
		to = len(sh.out)
	}
	return stepMarker.ReplaceAllString(string(sh.out[from:to]), "")
}

// close ends the shell's input and waits for it to exit.
func (sh *terminalShell) close(t *testing.T) {
	t.Helper()
	sh.script.Close()
	select {
	case <-sh.done:
	case <-time.After(walkTimeout):
		t.Fatalf("the shell did not exit at the end of its input:\n%s", sh.text(0, -1))
	}
}

// openPTY opens a pseudo-terminal pair (Linux: /dev/ptmx, unlocked, and
// its /dev/pts peer).
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		return nil, nil, fmt.Errorf("pty number: %w", e)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
