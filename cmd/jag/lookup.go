package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// lookupBatch is how many values one POST /v1/lookup carries (the hub's
// limit).
const lookupBatch = 10000

// cmdLookup is `jag lookup VALUE…`: which indicators name these IPs,
// CIDRs, domains, URLs, e-mail addresses or hashes. Values come from the
// arguments or, without any, from standard input (one per line; blank
// lines and lines starting with # are skipped). It prints one JSON line
// per value with its matches, in the order given.
func cmdLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lookup", "[flags] [VALUE...]   (values on stdin when none are given)")
	var cf clientFlags
	cf.register(fs, e)
	matchedOnly := fs.Bool("matched", false, "print only values that matched something")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	values := fs.Args()
	if len(values) == 0 {
		if values, err = readValues(e.stdin); err != nil {
			return err
		}
		if len(values) == 0 {
			return fmt.Errorf("%w: no values given (arguments or stdin)", errUsage)
		}
	}
	print := func(res json.RawMessage) error {
		if *matchedOnly {
			var r struct {
				Count int `json:"count"`
			}
			if err := json.Unmarshal(res, &r); err != nil {
				return fmt.Errorf("decode lookup result: %w", err)
			}
			if r.Count == 0 {
				return nil
			}
		}
		if _, err := fmt.Fprintf(e.stdout, "%s\n", strings.TrimSpace(string(res))); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	if len(values) == 1 {
		var res json.RawMessage
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/lookup", query: url.Values{"value": {values[0]}}}, &res); err != nil {
			return err
		}
		return print(res)
	}
	for start := 0; start < len(values); start += lookupBatch {
		end := min(start+lookupBatch, len(values))
		body, err := json.Marshal(map[string][]string{"values": values[start:end]})
		if err != nil {
			return fmt.Errorf("encode lookup: %w", err)
		}
		var ans struct {
			Results   []json.RawMessage `json:"results"`
			Truncated bool              `json:"truncated"`
		}
		if _, err := c.call(ctx, request{method: "POST", path: "/v1/lookup", body: body}, &ans); err != nil {
			return err
		}
		if ans.Truncated {
			fmt.Fprintln(e.stderr, "jag lookup: the hub truncated the matches of this batch; look the values up in smaller batches")
		}
		for _, res := range ans.Results {
			if err := print(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// readValues reads one value per line, skipping blank and # lines.
func readValues(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		v := strings.TrimSpace(sc.Text())
		if v == "" || strings.HasPrefix(v, "#") {
			continue
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	return out, nil
}
