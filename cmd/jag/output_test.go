package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix"
)

func TestChooseOutput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tty   bool
		given string
		want  string
		err   bool
	}{
		{tty: true, want: outTable},
		{tty: false, want: outJSONL},
		{tty: true, given: "jsonl", want: outJSONL},
		{tty: false, given: "text", want: outText},
		{tty: false, given: "yaml", err: true},
	}
	for _, c := range cases {
		got, err := chooseOutput(&env{tty: c.tty}, c.given, outTable, outJSONL)
		if c.err {
			if !errors.Is(err, errUsage) {
				t.Errorf("tty=%v --output %q: err %v, want a usage error", c.tty, c.given, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("tty=%v --output %q = %q, %v; want %q", c.tty, c.given, got, err, c.want)
		}
	}
}

// /dev/null is a character device but not a terminal: output sent there
// is machine output.
func TestIsTerminalDevNull(t *testing.T) {
	t.Parallel()
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Fatal("/dev/null taken for a terminal")
	}
}

// A hostile name cannot move the cursor, clear the screen or reorder text.
func TestCellNeutralisesControls(t *testing.T) {
	t.Parallel()
	got := cell("KR\x1b[2J CERT\n\tx\u202eevil\u0085", 0)
	if got != "KR [2J CERT  x evil " {
		t.Fatalf("cell = %q", got)
	}
	if got := cell("abcdef", 4); got != "abc…" {
		t.Fatalf("cell(…, 4) = %q", got)
	}
}

func TestWriteProblemsBounded(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 25 {
		lines = append(lines, fmt.Sprintf("problem %d", i))
	}
	var b strings.Builder
	writeProblems(&b, lines)
	out := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(out) != 21 || out[19] != "  problem 19" || out[20] != "  …and 5 more" {
		t.Fatalf("writeProblems printed:\n%s", b.String())
	}
}

func TestAPIErrorForPeople(t *testing.T) {
	t.Parallel()
	e := &apiError{Status: 400, Code: "invalid_signature", Detail: "30 object(s) without a valid signature"}
	for i := range 30 {
		e.Errors = append(e.Errors, apiErrorItem{Object: fmt.Sprintf("indicator--%d", i), Pointer: "/objects/0", Message: "invalid signature: object is not signed"})
	}
	msg := e.Error()
	if strings.Count(msg, "object is not signed") != 20 || !strings.Contains(msg, "…and 10 more") {
		t.Fatalf("not bounded:\n%s", msg)
	}
	if !strings.HasSuffix(msg, "hint: sign it with `jag sign --key KEY.jwk --as identity--… FILE > signed.json`, then submit signed.json") {
		t.Fatalf("no signing hint:\n%s", msg)
	}
	if !strings.HasPrefix(msg, "hub answered 400 invalid_signature: 30 object(s)") {
		t.Fatalf("head: %s", msg)
	}
	plain := (&apiError{Status: 404, Code: "not_found", Detail: "no such object"}).Error()
	if plain != "hub answered 404 not_found: no such object" {
		t.Fatalf("plain problem = %q", plain)
	}
}

func TestNextPageCommand(t *testing.T) {
	t.Parallel()
	got := nextPageCommand([]string{"--type", "indicator", "--next", "old", "--token", "secret", "--q", "two words", "--token=s2", "--next=old2"}, "CUR_1")
	want := "jag query --type indicator --q 'two words' --next CUR_1"
	if got != want {
		t.Fatalf("nextPageCommand = %q, want %q", got, want)
	}
}

func TestTLPOf(t *testing.T) {
	t.Parallel()
	if got := tlpOf([]string{stix.TLPGreenID, "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", stix.TLPAmberStrictID}); got != "TLP:AMBER+STRICT" {
		t.Fatalf("tlpOf = %q", got)
	}
	if got := tlpOf(nil); got != "no TLP" {
		t.Fatalf("tlpOf(nil) = %q", got)
	}
}
