package hub

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// refusingStore refuses the first submission that holds refuse with err.
type refusingStore struct {
	*memStore
	refuse string
	err    error
}

func (s *refusingStore) StoreSubmission(ctx context.Context, ns *NewSubmission) (StoreResult, error) {
	for _, o := range ns.Objects {
		if o.ID == s.refuse && s.err != nil {
			err := s.err
			s.err = nil
			return StoreResult{}, err
		}
	}
	return s.memStore.StoreSubmission(ctx, ns)
}

func TestPartialIngest(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	member := &auth.Principal{Org: orgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeSubmit}}
	good := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.0.1']", ""), nil)
	good2 := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.0.2']", ""), nil)
	badSig := strings.Replace(f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.0.3']", ""), nil), "10.0.0.3", "10.0.0.4", 1)
	otherSigner := f.sign(orgB, indicator(orgB, "[ipv4-addr:value = '10.0.0.5']", ""), nil)
	invalid := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = ", ""), nil)
	conflicting := strings.Replace(good2, `"spec_version":"2.1",`, `"spec_version":"2.1","name":"x",`, 1)
	objs := []json.RawMessage{[]byte(good), []byte(badSig), []byte(otherSigner), []byte(invalid), []byte(`[1]`),
		[]byte(good), []byte(good2), []byte(conflicting), []byte(`{"type":"indicator"}`)}
	pi := &PartialIngest{Store: f.store, Receipts: f.auth}
	res, err := pi.IngestEnvelope(ctx, member, objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", CodeInvalidSignature, CodeSignerMismatch, CodeInvalidPattern, CodeInvalidJSON, "", "", CodeConflict, CodeInvalidObject}
	for i, o := range res.Outcomes {
		if o.Code != want[i] || o.Stored != (want[i] == "") || (o.Code != "" && o.Message == "") {
			t.Errorf("object %d: %+v, want code %q", i, o, want[i])
		}
	}
	if res.Outcomes[0].ID == "" || res.Outcomes[0].Version != "2026-01-01T00:00:00.000Z" {
		t.Fatalf("outcome 0 names %q %q", res.Outcomes[0].ID, res.Outcomes[0].Version)
	}
	if res.Submission == nil || len(f.store.last.Objects) != 2 {
		t.Fatalf("stored %+v", f.store.last)
	}
	// The same envelope again: the same outcome, the original submission.
	again, err := pi.IngestEnvelope(ctx, member, objs, nil)
	if err != nil || again.Submission.ID != res.Submission.ID || again.Outcomes[0].Code != "" {
		t.Fatalf("retry: %+v %v", again, err)
	}

	t.Run("outside the collection", func(t *testing.T) {
		g := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.1.1']", ""), nil) // default TLP amber
		res, err := pi.IngestEnvelope(ctx, member, []json.RawMessage{[]byte(g)}, &CollectionFilter{MaxTLP: stix.TLPGreen})
		if err != nil || res.Outcomes[0].Code != CodeForbidden || res.Submission != nil {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("store refusals are per object", func(t *testing.T) {
		a := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.2.1']", ""), nil)
		b := f.sign(orgA, indicator(orgA, "[ipv4-addr:value = '10.0.2.2']", ""), nil)
		var bo struct{ ID string }
		_ = json.Unmarshal([]byte(b), &bo)
		rs := &refusingStore{memStore: f.store, refuse: bo.ID, err: &VersionError{Err: ErrNotCreator, ID: bo.ID}}
		pi := &PartialIngest{Store: rs, Receipts: f.auth}
		res, err := pi.IngestEnvelope(ctx, member, []json.RawMessage{[]byte(a), []byte(b)}, nil)
		if err != nil || !res.Outcomes[0].Stored || res.Outcomes[1].Code != CodeForbidden || len(f.store.last.Objects) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no org", func(t *testing.T) {
		if _, err := pi.IngestEnvelope(ctx, &auth.Principal{Tier: auth.TierMember}, objs, nil); err == nil {
			t.Fatal("want error")
		}
	})
}
