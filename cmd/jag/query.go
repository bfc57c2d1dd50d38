package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
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
	format := fs.String("format", "jsonl", "jsonl (one object per line) or json (one document)")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	if *format != "jsonl" && *format != "json" {
		return fmt.Errorf("%w: --format must be jsonl or json", errUsage)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
	case 1:
		return queryObject(ctx, e, c, fs.Arg(0), *version, *format)
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
	out := newObjectWriter(e.stdout, *format)
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
			return out.close(page.Next)
		}
		q.Set("next", page.Next)
	}
}

// queryObject prints one object (or, with version "all", its versions).
func queryObject(ctx context.Context, e *env, c *client, id, version, format string) error {
	q := url.Values{}
	if version != "" {
		q.Set("version", version)
	}
	var raw json.RawMessage
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects/" + url.PathEscape(id), query: q}, &raw); err != nil {
		return err
	}
	out := newObjectWriter(e.stdout, format)
	if version != "all" {
		if err := out.object(raw); err != nil {
			return err
		}
		return out.close("")
	}
	var list struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("decode versions: %w", err)
	}
	for _, o := range list.Objects {
		if err := out.object(o); err != nil {
			return err
		}
	}
	return out.close("")
}

// objectWriter prints objects as JSON lines (each compacted onto one
// line) or as one {"objects":[…],"next":…} document.
type objectWriter struct {
	w      io.Writer
	format string
	n      int
}

func newObjectWriter(w io.Writer, format string) *objectWriter {
	return &objectWriter{w: w, format: format}
}

func (o *objectWriter) object(raw json.RawMessage) error {
	var b bytes.Buffer
	if o.format == "json" {
		if o.n == 0 {
			b.WriteString("{\"objects\": [\n  ")
		} else {
			b.WriteString(",\n  ")
		}
	}
	if err := json.Compact(&b, raw); err != nil {
		return fmt.Errorf("hub sent an object that is not JSON: %w", err)
	}
	if o.format != "json" {
		b.WriteByte('\n')
	}
	o.n++
	if _, err := o.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// close ends a JSON document, naming the cursor of the next page when the
// listing stopped before the end.
func (o *objectWriter) close(next string) error {
	if o.format != "json" {
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
