package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

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
	fs := newFlagSet(e, "validate", "FILE|-")
	if err := parseFlags(fs, args); err != nil {
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
	}
	rep.Valid = len(rep.Problems) == 0
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if !rep.Valid {
		return &exitError{code: 1}
	}
	return nil
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
