package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// validateReport is what `jag validate` prints on stdout.
type validateReport struct {
	Valid    bool           `json:"valid"`
	Objects  int            `json:"objects"`
	Problems []stix.Problem `json:"problems"`
}

// cmdValidate checks a bundle offline with the same decoder and validator
// as POST /v1/bundles: exit 0 when valid, 1 when not.
func cmdValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "validate", "[--output FORMAT] FILE|-")
	output := registerOutput(fs, outText, outJSON)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outText, outJSON)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: want exactly one FILE (or - for stdin)", errUsage)
	}
	data, err := readInput(e, fs.Arg(0), stix.DefaultMaxBytes)
	if err != nil {
		return err
	}
	rep := validateReport{Problems: []stix.Problem{}}
	unsigned := 0
	b, err := stix.DecodeBundle(data, stix.Limits{})
	var de *stix.DecodeError
	switch {
	case errors.As(err, &de):
		rep.Problems = append(rep.Problems, stix.Problem{Pointer: de.Pointer, Message: de.Msg, Code: "invalid_json"})
	case err != nil:
		return err
	default:
		rep.Objects = len(b.Objects)
		if _, ps := stix.Validate(b); len(ps) > 0 {
			rep.Problems = ps
		}
		for _, o := range b.Objects {
			if _, err := auth.ObjectKID(o.Raw); err != nil && !stix.IsPredefinedTLPMarking(o) {
				unsigned++
			}
		}
	}
	rep.Valid = len(rep.Problems) == 0
	if err := printValidation(e.stdout, format, rep, unsigned); err != nil {
		return err
	}
	if !rep.Valid {
		return &exitError{code: 1}
	}
	return nil
}

// printValidation prints the report: for machines as the JSON document
// {"valid","objects","problems":[{"object","pointer","message","code"}]}
// (indented with json, on one line with jsonl); for people a verdict, at
// most maxProblems problems and a hint.
func printValidation(w io.Writer, format string, rep validateReport, unsigned int) error {
	switch format {
	case outJSON:
		return writeJSONDoc(w, rep)
	case outJSONL:
		return writeJSONLine(w, rep)
	}
	var b strings.Builder
	if rep.Valid {
		fmt.Fprintf(&b, "valid: %s, STIX 2.1 and patterns check out\n", plural(rep.Objects, "object"))
		if unsigned > 0 {
			verb := "are"
			if unsigned == 1 {
				verb = "is"
			}
			fmt.Fprintf(&b, "hint: %s %s not signed yet; sign with `jag sign --key KEY.jwk --as identity--… FILE` before `jag submit`\n", plural(unsigned, "object"), verb)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "invalid: %s", plural(len(rep.Problems), "problem"))
	if rep.Objects > 0 {
		fmt.Fprintf(&b, " in %s", plural(rep.Objects, "object"))
	}
	b.WriteString("\n")
	lines := make([]string, len(rep.Problems))
	stix20 := false
	for i, p := range rep.Problems {
		lines[i] = cell(p.String(), 300)
		stix20 = stix20 || (strings.Contains(p.Pointer, "spec_version") && strings.Contains(p.Message, "2.0"))
	}
	if format == outTable {
		tw := newTable(&b)
		fmt.Fprintln(tw, "  OBJECT\tPOINTER\tPROBLEM")
		for i, p := range rep.Problems {
			if i == maxProblems {
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", orDash(cell(p.Object, 100)), orDash(cell(p.Pointer, 100)), cell(p.Message, 200))
		}
		_ = tw.Flush()
		if n := len(rep.Problems) - maxProblems; n > 0 {
			fmt.Fprintf(&b, "  …and %d more\n", n)
		}
	} else {
		writeProblems(&b, lines)
	}
	switch {
	case stix20:
		b.WriteString("hint: JAG takes STIX 2.1 only: convert the objects to STIX 2.1 (spec_version \"2.1\")\n")
	case len(rep.Problems) > maxProblems:
		b.WriteString("hint: `jag validate --output json FILE` lists every problem\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// readInput reads a file, or stdin for "-", refusing more than limit bytes.
func readInput(e *env, name string, limit int64) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("open input: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("input larger than %d bytes", limit)
	}
	return data, nil
}
