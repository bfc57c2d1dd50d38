package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// envelopeStore is an in-memory IngestStore: keys by participant,
// submissions by (org, digest), the last NewSubmission it stored, and an
// optional refusal of the first submission holding version refuse.
type envelopeStore struct {
	mu     sync.Mutex
	keys   map[string][]auth.Key
	subs   map[string]Submission
	last   *NewSubmission
	refuse string
	err    error
}

func (m *envelopeStore) ParticipantKeys(_ context.Context, p string) ([]auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[p], nil
}

func (m *envelopeStore) KeyByKID(_ context.Context, kid string) (auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ks := range m.keys {
		for _, k := range ks {
			if k.KID == kid {
				return k, nil
			}
		}
	}
	return auth.Key{}, auth.ErrKeyNotFound
}

func (m *envelopeStore) StoreSubmission(_ context.Context, s *NewSubmission) (StoreResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range s.Objects {
		if o.ID == m.refuse && m.err != nil {
			err := m.err
			m.err = nil
			return StoreResult{}, err
		}
	}
	m.last = s
	k := s.Org + string(s.Digest[:])
	if prev, ok := m.subs[k]; ok {
		return StoreResult{Submission: prev, Replayed: true}, nil
	}
	sub := s.Submission
	sub.Accepted = len(s.Objects)
	m.subs[k] = sub
	return StoreResult{Submission: sub}, nil
}

func (m *envelopeStore) Submission(context.Context, string, string) (Submission, error) {
	return Submission{}, ErrNotFound
}

func (m *envelopeStore) KnownMarkings(context.Context, Viewer, []string) ([]string, error) {
	return nil, nil
}

type receiptSigner struct{}

func (receiptSigner) SignReceipt(payload []byte) (string, error) { return "receipt", nil }

const (
	envOrgA = "identity--a0000000-0000-4000-8000-00000000000a"
	envOrgB = "identity--b0000000-0000-4000-8000-00000000000b"
)

// envelopeFixture is an ingest service over an envelopeStore with orgs A
// and B registered, each with an EdDSA key.
type envelopeFixture struct {
	t     *testing.T
	store *envelopeStore
	svc   *IngestService
	keys  map[string]*jose.JSONWebKey
	seq   int
}

func newEnvelopeFixture(t *testing.T) *envelopeFixture {
	f := &envelopeFixture{t: t, store: &envelopeStore{keys: map[string][]auth.Key{}, subs: map[string]Submission{}},
		keys: map[string]*jose.JSONWebKey{}}
	for _, org := range []string{envOrgA, envOrgB} {
		priv, err := auth.GenerateKey("EdDSA")
		if err != nil {
			t.Fatal(err)
		}
		k, err := auth.NewKey(org, priv.Public(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		f.keys[org], f.store.keys[org] = priv, []auth.Key{k}
	}
	f.svc = NewIngestService(IngestConfig{}, f.store, receiptSigner{}, nil, nil)
	return f
}

// signed returns a fresh indicator of org for pattern, signed by org.
func (f *envelopeFixture) signed(org, pattern string) string {
	f.seq++
	obj := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d",`+
		`"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":%q,`+
		`"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`, f.seq, org, pattern)
	b, err := auth.SignObject([]byte(obj), f.keys[org], nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func raws(objs ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		out[i] = json.RawMessage(o)
	}
	return out
}

func TestIngestEnvelope(t *testing.T) {
	f := newEnvelopeFixture(t)
	ctx := context.Background()
	member := &auth.Principal{Org: envOrgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeSubmit}}
	good := f.signed(envOrgA, "[ipv4-addr:value = '10.0.0.1']")
	good2 := f.signed(envOrgA, "[ipv4-addr:value = '10.0.0.2']")
	badSig := strings.Replace(f.signed(envOrgA, "[ipv4-addr:value = '10.0.0.3']"), "10.0.0.3", "10.0.0.4", 1)
	otherSigner := f.signed(envOrgB, "[ipv4-addr:value = '10.0.0.5']")
	invalid := f.signed(envOrgA, "[ipv4-addr:value = ")
	conflicting := strings.Replace(good2, `"spec_version":"2.1",`, `"spec_version":"2.1","name":"x",`, 1)
	objs := raws(good, badSig, otherSigner, invalid, `[1]`, good, good2, conflicting, `{"type":"indicator"}`)
	res, err := f.svc.IngestEnvelope(ctx, member, objs, nil)
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
	again, err := f.svc.IngestEnvelope(ctx, member, objs, nil)
	if err != nil || again.Submission.ID != res.Submission.ID || again.Outcomes[0].Code != "" {
		t.Fatalf("retry: %+v %v", again, err)
	}

	t.Run("outside the collection", func(t *testing.T) {
		g := f.signed(envOrgA, "[ipv4-addr:value = '10.0.1.1']") // default TLP amber
		res, err := f.svc.IngestEnvelope(ctx, member, raws(g), &CollectionFilter{MaxTLP: stix.TLPGreen})
		if err != nil || res.Outcomes[0].Code != CodeForbidden || res.Submission != nil {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("store refusals are per object", func(t *testing.T) {
		a := f.signed(envOrgA, "[ipv4-addr:value = '10.0.2.1']")
		b := f.signed(envOrgA, "[ipv4-addr:value = '10.0.2.2']")
		var bo struct{ ID string }
		_ = json.Unmarshal([]byte(b), &bo)
		f.store.refuse, f.store.err = bo.ID, &VersionError{Err: ErrConflict, ID: bo.ID}
		res, err := f.svc.IngestEnvelope(ctx, member, raws(a, b), nil)
		if err != nil || !res.Outcomes[0].Stored || res.Outcomes[1].Code != CodeConflict || len(f.store.last.Objects) != 1 {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no org", func(t *testing.T) {
		if _, err := f.svc.IngestEnvelope(ctx, &auth.Principal{Tier: auth.TierMember}, objs, nil); err == nil {
			t.Fatal("want error")
		}
	})
}

func (m *envelopeStore) RegisteredParticipants(context.Context, []string) ([]string, error) {
	return nil, nil
}

func (m *envelopeStore) VisibleVersions(context.Context, Viewer, string, []ReceiptObject) (int, error) {
	return 0, nil
}
