package taxii

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// fakeTokens maps tokens to principals.
type fakeTokens map[string]*auth.Principal

func (f fakeTokens) Verify(_ context.Context, token string) (*auth.Principal, error) {
	if p, ok := f[token]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: unknown token", auth.ErrUnauthorized)
}

// fakeEntry is one stored version with who may see it.
type fakeEntry struct {
	hub.CollectionEntry
	modifiedAt time.Time
	org        string // "" visible to all; otherwise only to this org
}

// fakeReader implements Reader over a slice in date_added order, with
// the same semantics the SQL has (filters, first/last among the visible
// versions, strictly after, limit).
type fakeReader struct{ entries []fakeEntry }

func (f *fakeReader) visible(v hub.Viewer, e *fakeEntry, flt *hub.CollectionFilter) bool {
	if e.org != "" && e.org != v.Org {
		return false
	}
	return len(flt.Types) == 0 || slices.Contains(flt.Types, e.Type)
}

func (f *fakeReader) CollectionEntries(_ context.Context, v hub.Viewer, flt *hub.CollectionFilter, q *hub.CollectionQuery) ([]hub.CollectionEntry, error) {
	first, last := map[string]*fakeEntry{}, map[string]*fakeEntry{}
	for i := range f.entries {
		e := &f.entries[i]
		if !f.visible(v, e, flt) {
			continue
		}
		if x := first[e.ID]; x == nil || e.modifiedAt.Before(x.modifiedAt) {
			first[e.ID] = e
		}
		if x := last[e.ID]; x == nil || e.modifiedAt.After(x.modifiedAt) {
			last[e.ID] = e
		}
	}
	m := q.Versions
	if m.IsZero() {
		m.Last = true
	}
	var out []hub.CollectionEntry
	for i := range f.entries {
		e := &f.entries[i]
		switch {
		case !f.visible(v, e, flt),
			len(q.IDs) > 0 && !slices.Contains(q.IDs, e.ID),
			len(q.Types) > 0 && !slices.Contains(q.Types, e.Type),
			!e.DateAdded.After(q.After):
			continue
		}
		if !(m.All || m.First && first[e.ID] == e || m.Last && last[e.ID] == e ||
			slices.ContainsFunc(m.At, func(t time.Time) bool { return t.Equal(e.modifiedAt) })) {
			continue
		}
		ce := e.CollectionEntry
		if q.WithoutRaw {
			ce.Raw = nil
		}
		out = append(out, ce)
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// fakeCollections is a fixed list.
type fakeCollections []hub.Collection

func (f fakeCollections) Collections(context.Context) ([]hub.Collection, error) { return f, nil }

// fakeIngester accepts objects whose "id" starts with a valid type and
// refuses those with "bad": true, as a partial ingest would.
type fakeIngester struct {
	calls int
}

func (f *fakeIngester) IngestEnvelope(_ context.Context, p *auth.Principal, objs []json.RawMessage, _ *hub.CollectionFilter) (hub.PartialResult, error) {
	f.calls++
	res := hub.PartialResult{Submission: &hub.Submission{ID: "submission--x", Org: p.Org}}
	for _, raw := range objs {
		var o struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
			Bad      bool   `json:"bad"`
		}
		_ = json.Unmarshal(raw, &o)
		oc := hub.ObjectOutcome{ID: o.ID, Version: o.Modified, Stored: !o.Bad}
		if o.Bad {
			oc.Code, oc.Message = hub.CodeInvalidSignature, "signature does not verify"
		}
		res.Outcomes = append(res.Outcomes, oc)
	}
	return res, nil
}

// fakeStatuses keeps statuses in memory.
type fakeStatuses struct {
	mu sync.Mutex
	m  map[string]hub.EnvelopeStatus
}

func (f *fakeStatuses) SaveStatus(_ context.Context, s *hub.EnvelopeStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]hub.EnvelopeStatus{}
	}
	f.m[s.ID] = *s
	return nil
}

func (f *fakeStatuses) EnvelopeStatus(_ context.Context, org, id string) (hub.EnvelopeStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.m[id]
	if !ok || s.Org != org {
		return hub.EnvelopeStatus{}, hub.ErrNotFound
	}
	return s, nil
}
