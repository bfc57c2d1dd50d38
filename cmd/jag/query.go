package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
)

// queryFilters are the history-search filters of `jag query`, named like
// the query parameters of GET /v1/objects.
var queryFilters = []struct{ flag, param, usage string }{
	{"type", "type", "STIX type, e.g. indicator"},
	{"created-by", "created_by", "identity id of the creating org"},
	{"label", "label", "a label the object carries"},
	{"added-after", "added_after", "received by the hub after this RFC 3339 time"},
	{"added-before", "added_before", "received by the hub before this RFC 3339 time"},
	{"modified-after", "modified_after", "modified after this RFC 3339 time"},
	{"valid-at", "valid_at", "valid at this RFC 3339 time"},
	{"revoked", "revoked", "true or false"},
	{"observable", "observable", "IP, CIDR, domain, URL, e-mail or hash its pattern names (matched like lookup)"},
	{"q", "q", "text in name or description"},
}

// cmdQuery is `jag query`: one object by id, or a history search.
//
// Output: on a terminal a table (ID, TYPE, NAME/PATTERN, CREATOR, TLP,
// MODIFIED) and what to run for the next page; in a pipe one object per
// line, exactly as stored and signed; --output json prints
// {"objects":[…],"next":"…"} (next only when more pages remain). A listing
// that stopped before the last page always says so, on stderr when stdout
// is for machines.
func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "query", "[flags] [OBJECT-ID]")
	var cf clientFlags
	cf.register(fs, e)
	filters := make([]string, len(queryFilters))
	for i, f := range queryFilters {
		fs.StringVar(&filters[i], f.flag, "", f.usage)
	}
	limit := fs.Int("limit", 0, "objects per page (1-1000; default the hub's, 100)")
	next := fs.String("next", "", "continue after this cursor (from an earlier page)")
	all := fs.Bool("all", false, "follow the next cursors to the last page")
	version := fs.String("version", "", `with OBJECT-ID: a version's "modified", or "all"`)
	output := registerOutput(fs, outTable, outJSONL)
	legacy := fs.String("format", "", "old name of --output (jsonl or json)")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	given := *output
	if given == "" {
		given = *legacy
	}
	format, err := chooseOutput(e, given, outTable, outJSONL)
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	out := &objectWriter{w: e.stdout, format: format}
	if human(format) {
		out.names = c.participantNames(ctx)
	}
	switch fs.NArg() {
	case 0:
	case 1:
		return queryObject(ctx, c, out, fs.Arg(0), *version)
	default:
		return fmt.Errorf("%w: at most one object id", errUsage)
	}
	if *version != "" {
		return fmt.Errorf("%w: --version needs an OBJECT-ID", errUsage)
	}
	q := url.Values{}
	for i, f := range queryFilters {
		if filters[i] != "" {
			q.Set(f.param, filters[i])
		}
	}
	if *limit != 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	if *next != "" {
		q.Set("next", *next)
	}
	for {
		var page struct {
			Objects []json.RawMessage `json:"objects"`
			Next    string            `json:"next"`
		}
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects", query: q}, &page); err != nil {
			return err
		}
		for _, o := range page.Objects {
			if err := out.object(o); err != nil {
				return err
			}
		}
		if !*all || page.Next == "" {
			if err := out.close(page.Next); err != nil {
				return err
			}
			if page.Next != "" {
				hint := fmt.Sprintf("showed %s; more match: run `%s` for the next page, or add --all for every page\n",
					plural(out.n, "object"), nextPageCommand(args, page.Next))
				if human(format) {
					_, err := io.WriteString(e.stdout, hint)
					return err
				}
				fmt.Fprint(e.stderr, "jag query: "+hint)
			} else if human(format) && out.n > 0 {
				fmt.Fprintf(e.stdout, "%s, no more match\n", plural(out.n, "object"))
			}
			return nil
		}
		q.Set("next", page.Next)
	}
}

// nextPageCommand is the command line that lists the page after cursor:
// args with any --next replaced.
func nextPageCommand(args []string, cursor string) string {
	parts := []string{"jag", "query"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--next" || a == "-next":
			i++ // skip its value
			continue
		case strings.HasPrefix(a, "--next=") || strings.HasPrefix(a, "-next="):
			continue
		case strings.HasPrefix(a, "--token=") || strings.HasPrefix(a, "-token="):
			continue // never echo a secret
		case a == "--token" || a == "-token":
			i++
			continue
		}
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(append(parts, "--next", shellQuote(cursor)), " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=@+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(cell(s, 0), "'", `'\''`) + "'"
}

// queryObject prints one object (or, with version "all", its versions).
func queryObject(ctx context.Context, c *client, out *objectWriter, id, version string) error {
	q := url.Values{}
	if version != "" {
		q.Set("version", version)
	}
	var raw json.RawMessage
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects/" + url.PathEscape(id), query: q}, &raw); err != nil {
		return err
	}
	if version != "all" {
		if err := out.object(raw); err != nil {
			return err
		}
		return out.close("")
	}
	for { // the versions come in pages bounded in bytes
		var list struct {
			Objects []json.RawMessage `json:"objects"`
			Next    string            `json:"next"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("decode versions: %w", err)
		}
		for _, o := range list.Objects {
			if err := out.object(o); err != nil {
				return err
			}
		}
		if list.Next == "" {
			return out.close("")
		}
		q.Set("next", list.Next)
		raw = nil
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects/" + url.PathEscape(id), query: q}, &raw); err != nil {
			return err
		}
	}
}

// objectWriter prints objects as JSON lines (each compacted onto one
// line), as one {"objects":[…],"next":…} document, or for people as a
// table or one sentence per object.
type objectWriter struct {
	w      io.Writer
	format string
	names  map[string]string
	n      int
	tw     *tabwriter.Writer
}

func (o *objectWriter) object(raw json.RawMessage) error {
	if human(o.format) {
		return o.humanObject(raw)
	}
	var b bytes.Buffer
	if o.format == outJSON {
		if o.n == 0 {
			b.WriteString("{\"objects\": [\n  ")
		} else {
			b.WriteString(",\n  ")
		}
	}
	if err := json.Compact(&b, raw); err != nil {
		return fmt.Errorf("hub sent an object that is not JSON: %w", err)
	}
	if o.format != outJSON {
		b.WriteByte('\n')
	}
	o.n++
	if _, err := o.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func (o *objectWriter) humanObject(raw json.RawMessage) error {
	s := summarise(raw)
	o.n++
	title := cell(s.title(), 70)
	if s.Revoked {
		title = "(revoked) " + title
	}
	if o.format == outText {
		_, err := fmt.Fprintf(o.w, "%s (%s, %s, modified %s): %s\n", cell(s.ID, 100), nameOf(o.names, s.CreatedBy),
			tlpOf(s.Markings), humanTime(s.Modified), orDash(title))
		return err
	}
	if o.tw == nil {
		o.tw = newTable(o.w)
		fmt.Fprintln(o.tw, "ID\tTYPE\tNAME/PATTERN\tCREATOR\tTLP\tMODIFIED")
	}
	_, err := fmt.Fprintf(o.tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(s.ID, 100), cell(s.Type, 40), orDash(title),
		nameOf(o.names, s.CreatedBy), tlpOf(s.Markings), humanTime(s.Modified))
	return err
}

// close ends a JSON document or a table, naming the cursor of the next
// page in the document when the listing stopped before the end.
func (o *objectWriter) close(next string) error {
	if human(o.format) {
		if o.tw != nil {
			return o.tw.Flush()
		}
		if o.n == 0 {
			_, err := io.WriteString(o.w, "no object you may see matches\n")
			return err
		}
		return nil
	}
	if o.format != outJSON {
		return nil
	}
	var b bytes.Buffer
	if o.n == 0 {
		b.WriteString(`{"objects": [`)
	} else {
		b.WriteString("\n")
	}
	b.WriteString("]")
	if next != "" {
		b.WriteString(`, "next": ` + strconv.Quote(next))
	}
	b.WriteString("}\n")
	if _, err := o.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
