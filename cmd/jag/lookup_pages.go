package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// The hub answers a lookup in pages bounded in bytes, each matched object
// once per page in "objects" (README "Answers are bounded in bytes").
// lookupPages follows the pages to the end and hands back each value's
// whole result in the shape `jag lookup` prints: the hub's result with
// every match carrying its "object".

// lookupPage is one page of a lookup answer.
type lookupPage struct {
	First   int                        `json:"first"`
	Results []json.RawMessage          `json:"results"`
	Objects map[string]json.RawMessage `json:"objects"`
	Next    string                     `json:"next"`
}

// lookupMerged is one value's result gathered over pages.
type lookupMerged struct {
	head    struct{ Value, Kind, Error string }
	count   int
	matches []json.RawMessage
	raw     json.RawMessage // the one page's result, while that is all
	pages   int
}

// lookupSingle looks one value up with GET /v1/lookup, page after page.
func lookupSingle(ctx context.Context, c *client, value string) (json.RawMessage, error) {
	var m lookupMerged
	for next := ""; ; {
		q := url.Values{"value": {value}}
		if next != "" {
			q.Set("next", next)
		}
		var res json.RawMessage
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/lookup", query: q}, &res); err != nil {
			return nil, err
		}
		var page struct {
			Objects map[string]json.RawMessage `json:"objects"`
			Next    string                     `json:"next"`
		}
		if err := json.Unmarshal(res, &page); err != nil {
			return nil, fmt.Errorf("decode lookup answer: %w", err)
		}
		if err := m.add(res, page.Objects); err != nil {
			return nil, err
		}
		if next = page.Next; next == "" {
			m.pages = 0 // a GET answer has more than the result: re-encode
			return m.encode()
		}
	}
}

// lookupBatchPages looks values up with POST /v1/lookup, page after page,
// and returns one result per value, in order.
func lookupBatchPages(ctx context.Context, c *client, values []string) ([]json.RawMessage, error) {
	merged := make([]lookupMerged, len(values))
	for next := ""; ; {
		req := map[string]any{"values": values}
		if next != "" {
			req["next"] = next
		}
		body, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("encode lookup: %w", err)
		}
		var page lookupPage
		if _, err := c.call(ctx, request{method: "POST", path: "/v1/lookup", body: body}, &page); err != nil {
			return nil, err
		}
		if page.First < 0 || page.First+len(page.Results) > len(values) {
			return nil, fmt.Errorf("decode lookup answer: results %d..%d of %d values", page.First, page.First+len(page.Results), len(values))
		}
		for i, res := range page.Results {
			if err := merged[page.First+i].add(res, page.Objects); err != nil {
				return nil, err
			}
		}
		if next = page.Next; next == "" {
			break
		}
	}
	out := make([]json.RawMessage, len(values))
	for i := range merged {
		var err error
		if out[i], err = merged[i].encode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// add merges one page's result for the value, giving every match its
// object from the page's objects.
func (m *lookupMerged) add(raw json.RawMessage, objects map[string]json.RawMessage) error {
	var r struct {
		Value   string            `json:"value"`
		Kind    string            `json:"kind"`
		Error   string            `json:"error"`
		Count   int               `json:"count"`
		Matches []json.RawMessage `json:"matches"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("decode lookup result: %w", err)
	}
	m.head.Value, m.head.Kind, m.head.Error = r.Value, r.Kind, r.Error
	m.count += r.Count
	m.raw = raw
	m.pages++
	for _, match := range r.Matches {
		var ref struct {
			Ref string `json:"ref"` // the key of its object in objects
		}
		if err := json.Unmarshal(match, &ref); err != nil {
			return fmt.Errorf("decode lookup match: %w", err)
		}
		if obj, ok := objects[ref.Ref]; ok {
			// the object replaces its reference (the hub writes "ref" last)
			m := bytes.TrimSpace(match)
			tail, _ := json.Marshal(ref.Ref)
			tail = append(append([]byte(`,"ref":`), tail...), '}')
			if bytes.HasSuffix(m, tail) {
				m = append(m[:len(m)-len(tail)], '}')
			}
			m = append(bytes.TrimSuffix(m, []byte("}")), `,"object":`...)
			match = append(append(m, obj...), '}')
		}
		m.matches = append(m.matches, match)
	}
	return nil
}

// encode renders the merged result as the hub's one-value result: the
// hub's own bytes when one page without matches answered it.
func (m *lookupMerged) encode() (json.RawMessage, error) {
	if m.pages == 1 && len(m.matches) == 0 {
		return m.raw, nil
	}
	head, err := json.Marshal(struct {
		Value string `json:"value"`
		Kind  string `json:"kind,omitempty"`
		Error string `json:"error,omitempty"`
		Count int    `json:"count"`
	}{m.head.Value, m.head.Kind, m.head.Error, m.count})
	if err != nil {
		return nil, fmt.Errorf("encode lookup result: %w", err)
	}
	b := append(head[:len(head)-1], `,"matches":[`...)
	for i, match := range m.matches {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, match...)
	}
	return append(b, "]}"...), nil
}
