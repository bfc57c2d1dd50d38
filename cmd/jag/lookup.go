package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// lookupBatch is how many values one POST /v1/lookup carries (the hub's
// limit).
const lookupBatch = 10000

// cmdLookup is `jag lookup VALUE…`: which indicators name these IPs,
// CIDRs, domains, URLs, e-mail addresses or hashes. Values come from the
// arguments or, without any, from standard input (one per line; blank
// lines and lines starting with # are skipped).
//
// Output, in the order the values were given: on a terminal one sentence
// per match ("192.0.2.7 is inside 192.0.2.0/24 named by indicator … (KR
// CERT, TLP:AMBER)"); in a pipe one JSON line per value, exactly the
// hub's result ({"value","kind","error","count","matches":[…]}); --output
// json wraps them as {"results":[…]}.
func cmdLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "lookup", "[flags] [VALUE...]   (values on stdin when none are given)")
	var cf clientFlags
	cf.register(fs, e)
	matchedOnly := fs.Bool("matched", false, "print only values that matched something")
	output := registerOutput(fs, outText, outJSONL)
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outText, outJSONL)
	if err != nil {
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
	lw := &lookupWriter{w: e.stdout, format: format, matchedOnly: *matchedOnly}
	if human(format) {
		lw.names = c.participantNames(ctx)
	}
	if len(values) == 1 {
		res, err := lookupSingle(ctx, c, values[0]) // every page (lookup_pages.go)
		if err != nil {
			return err
		}
		if err := lw.result(res); err != nil {
			return err
		}
		return lw.close(e.stderr)
	}
	for start := 0; start < len(values); start += lookupBatch {
		end := min(start+lookupBatch, len(values))
		results, err := lookupBatchPages(ctx, c, values[start:end]) // every page (lookup_pages.go)
		if err != nil {
			return err
		}
		for _, res := range results {
			if err := lw.result(res); err != nil {
				return err
			}
		}
		if lw.format == outTable && end < len(values) {
			if err := lw.flushTable(); err != nil {
				return err
			}
		}
	}
	return lw.close(e.stderr)
}

// lookupResult is one value's result as the hub sends it.
type lookupResult struct {
	Value     string        `json:"value"`
	Kind      string        `json:"kind"`
	Error     string        `json:"error"`
	Count     int           `json:"count"`
	Matches   []lookupMatch `json:"matches"`
	Truncated bool          `json:"truncated"`
}

// lookupMatch is one match of a lookup result.
type lookupMatch struct {
	Match      string `json:"match"`
	Observable struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"observable"`
	ID        string          `json:"id"`
	Modified  string          `json:"modified"`
	CreatedBy string          `json:"created_by"`
	Revoked   bool            `json:"revoked"`
	Object    json.RawMessage `json:"object"`
}

// lookupWriter prints lookup results in one format.
type lookupWriter struct {
	w           io.Writer
	format      string
	matchedOnly bool
	names       map[string]string
	truncated   bool
	rows        [][]string // table rows of the current batch, aligned at flush
	header      bool       // the table header was written
	docs        int        // json results written
	values      int        // values looked up
	matched     int        // values with at least one match
}

func (lw *lookupWriter) result(raw json.RawMessage) error {
	var r lookupResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("decode lookup result: %w", err)
	}
	lw.values++
	if r.Count > 0 {
		lw.matched++
	}
	lw.truncated = lw.truncated || r.Truncated
	if lw.matchedOnly && r.Count == 0 {
		return nil
	}
	switch lw.format {
	case outJSONL:
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return fmt.Errorf("hub sent a result that is not JSON: %w", err)
		}
		b.WriteByte('\n')
		_, err := lw.w.Write(b.Bytes())
		return err
	case outJSON:
		var b bytes.Buffer
		if lw.docs == 0 {
			b.WriteString("{\n  \"results\": [\n    ")
		} else {
			b.WriteString(",\n    ")
		}
		if err := json.Indent(&b, raw, "    ", "  "); err != nil {
			return fmt.Errorf("hub sent a result that is not JSON: %w", err)
		}
		lw.docs++
		_, err := lw.w.Write(b.Bytes())
		return err
	case outTable:
		v := cell(r.Value, 60)
		if r.Error != "" {
			lw.rows = append(lw.rows, []string{v, "error: " + cell(r.Error, 100), "", "", "", "", ""})
		} else if len(r.Matches) == 0 {
			lw.rows = append(lw.rows, []string{v, "no match", "", "", "", "", ""})
		}
		for _, m := range r.Matches {
			o := summarise(m.Object)
			how := m.Match
			if m.Revoked {
				how += " (revoked)"
			}
			lw.rows = append(lw.rows, []string{v, how, cell(m.Observable.Value, 60), cell(m.ID, 80),
				nameOf(lw.names, m.CreatedBy), tlpOf(o.Markings), humanTime(m.Modified)})
		}
		return nil
	}
	return lw.sentences(r)
}

// sentences explains one result in words, one line per match.
func (lw *lookupWriter) sentences(r lookupResult) error {
	v := cell(r.Value, 100)
	var b strings.Builder
	switch {
	case r.Error != "":
		fmt.Fprintf(&b, "%s: %s\n", v, cell(r.Error, 200))
	case len(r.Matches) == 0:
		fmt.Fprintf(&b, "%s: no indicator you may see names it\n", v)
	}
	for _, m := range r.Matches {
		o := summarise(m.Object)
		obs := cell(m.Observable.Value, 100)
		var how string
		switch m.Match {
		case "exact":
			how = v + " is named by"
		case "cidr":
			how = fmt.Sprintf("%s is inside %s named by", v, obs)
		case "parent_domain":
			how = fmt.Sprintf("%s is under %s named by", v, obs)
		case "contains":
			how = fmt.Sprintf("%s contains %s named by", v, obs)
		default:
			how = fmt.Sprintf("%s matches %s (%s) named by", v, obs, cell(m.Match, 30))
		}
		what := cell(m.ID, 100)
		if t := o.title(); t != "" && t != o.Pattern {
			what += fmt.Sprintf(" %q", cell(t, 80))
		}
		fmt.Fprintf(&b, "%s %s (%s, %s", how, what, nameOf(lw.names, m.CreatedBy), tlpOf(o.Markings))
		if m.Revoked {
			b.WriteString(", revoked")
		}
		b.WriteString(")\n")
	}
	_, err := io.WriteString(lw.w, b.String())
	return err
}

// flushTable writes the rows held back, aligned, under one header; a
// lookup of several batches aligns each batch on its own, so memory stays
// bounded by one batch.
func (lw *lookupWriter) flushTable() error {
	tw := newTable(lw.w)
	if !lw.header {
		fmt.Fprintln(tw, "VALUE\tMATCH\tOBSERVABLE\tINDICATOR\tCREATOR\tTLP\tMODIFIED")
		lw.header = true
	}
	for _, r := range lw.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	lw.rows = lw.rows[:0]
	return tw.Flush()
}

// close writes what was held back (table, json document) and, for people,
// a closing count; a truncated answer is said on stderr in every format.
func (lw *lookupWriter) close(stderr io.Writer) error {
	switch lw.format {
	case outJSON:
		b := "{\n  \"results\": []"
		if lw.docs > 0 {
			b = "\n  ]"
		}
		if lw.truncated {
			b += ",\n  \"truncated\": true"
		}
		if _, err := io.WriteString(lw.w, b+"\n}\n"); err != nil {
			return err
		}
	case outTable:
		if err := lw.flushTable(); err != nil {
			return err
		}
	}
	if human(lw.format) && lw.values > 1 {
		fmt.Fprintf(lw.w, "%d of %s matched\n", lw.matched, plural(lw.values, "value"))
	}
	if lw.truncated {
		fmt.Fprintln(stderr, "jag lookup: the hub cut the matches short (too many); look the values up in smaller batches")
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
