package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/jag-hub/jag/stix"
)

// Output formats of the commands that print results (--output).
//
//   - table: aligned columns for people (text/tabwriter)
//   - text:  sentences for people, one per result
//   - json:  one JSON document
//   - jsonl: one JSON document per line (a result, an event)
//
// On a terminal a command prints its human format; in a pipe or a file its
// machine format. The JSON field names are the hub's API names (API.md)
// plus those documented at each command, and do not change.
const (
	outTable = "table"
	outText  = "text"
	outJSON  = "json"
	outJSONL = "jsonl"
)

var outputFormats = []string{outTable, outText, outJSON, outJSONL}

// isTerminal reports whether f is a terminal (not merely a character
// device such as /dev/null), the test `jag` uses to choose between human
// and machine output. Tests set env.tty instead.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// registerOutput adds --output to fs; "" (the default) means automatic.
func registerOutput(fs *flag.FlagSet, human, machine string) *string {
	return fs.String("output", "", fmt.Sprintf("table, text, json or jsonl (default %s on a terminal, %s in a pipe)", human, machine))
}

// chooseOutput resolves --output: the given format, or human when stdout
// is a terminal and machine otherwise.
func chooseOutput(e *env, given, human, machine string) (string, error) {
	switch {
	case given == "" && e.tty:
		return human, nil
	case given == "":
		return machine, nil
	case slices.Contains(outputFormats, given):
		return given, nil
	}
	return "", fmt.Errorf("%w: --output %q: want one of %s", errUsage, given, strings.Join(outputFormats, ", "))
}

// parseOutput registers --output on fs (human on a terminal, machine in a
// pipe), parses args and returns the chosen format: the tail every
// command with both kinds of output shares.
func parseOutput(e *env, fs *flag.FlagSet, args []string, human, machine string) (string, error) {
	output := registerOutput(fs, human, machine)
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	return chooseOutput(e, *output, human, machine)
}

// writeMachine writes items for scripts when format is a machine format:
// jsonl one item per line, json one document {key: items}. It reports
// whether it wrote, so the caller renders the human formats otherwise.
func writeMachine[T any](w io.Writer, format, key string, items []T) (bool, error) {
	switch format {
	case outJSONL:
		for _, it := range items {
			if err := writeJSONLine(w, it); err != nil {
				return true, err
			}
		}
		return true, nil
	case outJSON:
		return true, writeJSONDoc(w, map[string]any{key: items})
	}
	return false, nil
}

// human reports whether format is one of the formats for people.
func human(format string) bool { return format == outTable || format == outText }

// newTable returns a tabwriter for aligned columns; cells are separated by
// tabs and the caller must Flush.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// writeJSONLine writes v compactly on one line.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// writeJSONDoc writes v indented.
func writeJSONDoc(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// cell makes s safe for one table cell or one line of text: control
// characters (tabs, newlines, escapes a hostile partner may put in a name)
// become spaces, and long values are shortened to max runes.
func cell(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, s)
	if max > 0 {
		if r := []rune(s); len(r) > max {
			s = string(r[:max-1]) + "…"
		}
	}
	return s
}

// orDash returns s, or "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// humanTime renders an RFC 3339 time at second precision in UTC, the form
// every human output uses; a value that does not parse is shown as given.
func humanTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return cell(s, 40)
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// tlpOf names the TLP of an object from its object_marking_refs: the most
// restrictive TLP marking it carries, or "no TLP" (the hub then applies
// its configured default, AMBER unless configured otherwise). Marking
// definitions other than the TLP ones are not judged here.
func tlpOf(refs []string) string {
	best, found := stix.TLPClear, false
	for _, r := range refs {
		if t, ok := stix.MarkingTLP(r); ok && (!found || t.Rank() > best.Rank()) {
			best, found = t, true
		}
	}
	if !found {
		return "no TLP"
	}
	return best.String()
}

// objectSummary is what human output shows of a STIX object.
type objectSummary struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Modified  string   `json:"modified"`
	CreatedBy string   `json:"created_by_ref"`
	Name      string   `json:"name"`
	Pattern   string   `json:"pattern"`
	Value     string   `json:"value"`
	Markings  []string `json:"object_marking_refs"`
	Revoked   bool     `json:"revoked"`
}

func summarise(raw json.RawMessage) objectSummary {
	var s objectSummary
	_ = json.Unmarshal(raw, &s) // a field that does not decode stays empty
	return s
}

// title is the name, else the pattern, else the value of an object.
func (s objectSummary) title() string {
	switch {
	case s.Name != "":
		return s.Name
	case s.Pattern != "":
		return s.Pattern
	}
	return s.Value
}

// maxProblems is how many problems a human listing shows before "…and N
// more".
const maxProblems = 20

// writeProblems prints at most maxProblems lines, indented, then how many
// were left out.
func writeProblems(w io.Writer, lines []string) {
	for i, l := range lines {
		if i == maxProblems {
			fmt.Fprintf(w, "  …and %d more\n", len(lines)-maxProblems)
			break
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// plural returns "1 object" / "2 objects".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
