package hub

import (
	"context"
	"errors"
	"testing"
	"time"
)

// memCollections is an in-memory CollectionStore.
type memCollections struct{ cs []Collection }

func (m *memCollections) CreateCollection(_ context.Context, c *Collection) error {
	for _, x := range append(m.cs, DefaultCollection()) {
		if x.ID == c.ID || (c.Alias != "" && x.Alias == c.Alias) {
			return ErrCollectionExists
		}
	}
	m.cs = append(m.cs, *c)
	return nil
}

func (m *memCollections) Collections(context.Context) ([]Collection, error) { return m.cs, nil }

func (m *memCollections) DeleteCollection(_ context.Context, id string) error {
	for i, c := range m.cs {
		if c.ID == id {
			m.cs = append(m.cs[:i], m.cs[i+1:]...)
			return nil
		}
	}
	return ErrNotFound
}

func TestCollectionService(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 123456789, time.UTC)
	s := NewCollectionService(&memCollections{}, func() time.Time { return now })
	code := func(err error) string {
		var he *Error
		if errors.As(err, &he) {
			return he.Code
		}
		return ""
	}
	c, err := s.Create(ctx, Collection{Title: "APT", Alias: "apt", ReadScopes: []string{"read"}})
	if err != nil || !uuidPattern.MatchString(c.ID) || !c.Created.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("create: %+v %v", c, err)
	}
	conf := 101
	for _, bad := range []Collection{
		{Title: "", ReadScopes: []string{"read"}},
		{Title: "x"},
		{Title: "x", ReadScopes: []string{"root"}},
		{Title: "x", ReadScopes: []string{"read"}, ID: "NOT-A-UUID"},
		{Title: "x", ReadScopes: []string{"read"}, Alias: "Upper"},
		{Title: "x", ReadScopes: []string{"read"}, Alias: "4a414700-0000-4000-8000-000000000009"},
		{Title: "x", ReadScopes: []string{"read"}, Filter: CollectionFilter{Types: []string{"Indicator"}}},
		{Title: "x", ReadScopes: []string{"read"}, Filter: CollectionFilter{Creators: []string{"indicator--4a414700-0000-4000-8000-000000000009"}}},
		{Title: "x", ReadScopes: []string{"read"}, Filter: CollectionFilter{MaxTLP: "purple"}},
		{Title: "x", ReadScopes: []string{"read"}, Filter: CollectionFilter{MinConfidence: &conf}},
		{Title: "x", ReadScopes: []string{"read"}, Filter: CollectionFilter{Labels: []string{""}}},
	} {
		if _, err := s.Create(ctx, bad); code(err) != CodeBadRequest {
			t.Errorf("%+v: %v, want bad_request", bad, err)
		}
	}
	for _, dup := range []Collection{{Title: "x", Alias: "apt", ReadScopes: []string{"read"}}, {Title: "x", Alias: "everything", ReadScopes: []string{"read"}},
		{Title: "x", ID: DefaultCollectionID, ReadScopes: []string{"read"}}} {
		if _, err := s.Create(ctx, dup); code(err) != CodeConflict {
			t.Errorf("%+v: %v, want conflict", dup, err)
		}
	}
	w, err := s.Create(ctx, Collection{Title: "white", ReadScopes: []string{"read"}, Filter: CollectionFilter{MaxTLP: "WHITE"}})
	if err != nil || w.Filter.MaxTLP != "clear" {
		t.Fatalf("TLP:WHITE ceiling: %+v %v", w.Filter, err)
	}
	if err := s.Delete(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	cs, err := s.List(ctx)
	if err != nil || len(cs) != 2 || cs[0].ID != DefaultCollectionID || cs[1].ID != c.ID {
		t.Fatalf("list %+v %v", cs, err)
	}
	if err := s.Delete(ctx, DefaultCollectionID); code(err) != CodeForbidden {
		t.Fatalf("delete built-in: %v", err)
	}
	if err := s.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
}

func TestCollectionFilterAdmits(t *testing.T) {
	conf, low := 70, 10
	o := StoredObject{Type: "indicator", CreatedBy: "identity--a", Labels: []string{"apt"}, TLP: "amber", Confidence: &conf}
	for _, tc := range []struct {
		f    CollectionFilter
		want bool
	}{
		{CollectionFilter{}, true},
		{CollectionFilter{Types: []string{"malware", "indicator"}}, true},
		{CollectionFilter{Types: []string{"malware"}}, false},
		{CollectionFilter{Labels: []string{"x", "apt"}}, true},
		{CollectionFilter{Labels: []string{"x"}}, false},
		{CollectionFilter{Creators: []string{"identity--b"}}, false},
		{CollectionFilter{MaxTLP: "amber"}, true},
		{CollectionFilter{MaxTLP: "green"}, false},
		{CollectionFilter{MinConfidence: &conf}, true},
		{CollectionFilter{MinConfidence: &low}, true},
	} {
		if got := tc.f.Admits(&o); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
	noConf := o
	noConf.Confidence = nil
	if (&CollectionFilter{MinConfidence: &low}).Admits(&noConf) {
		t.Error("a version without confidence passes a minimum")
	}
}
