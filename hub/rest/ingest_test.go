package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

const (
	orgA = "identity--a0000000-0000-4000-8000-00000000000a"
	orgB = "identity--b0000000-0000-4000-8000-00000000000b"
)

// memStore is an in-memory hub.IngestStore: keys by participant, submissions
// by (org, digest), and the last hub.NewSubmission it was asked to store.
type memStore struct {
	mu       sync.Mutex
	keys     map[string][]auth.Key
	subs     map[string]hub.Submission // by org + digest
	byID     map[string]hub.Submission
	last     *hub.NewSubmission
	markings []string
	err      error // returned by StoreSubmission when set
	keysErr  error // returned by ParticipantKeys when set
}

func newMemStore() *memStore {
	return &memStore{keys: map[string][]auth.Key{}, subs: map[string]hub.Submission{}, byID: map[string]hub.Submission{}}
}

func (m *memStore) ParticipantKeys(_ context.Context, p string) ([]auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[p], m.keysErr
}

func (m *memStore) KeyByKID(_ context.Context, kid string) (auth.Key, error) {
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

func (m *memStore) StoreSubmission(_ context.Context, s *hub.NewSubmission) (hub.StoreResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return hub.StoreResult{}, m.err
	}
	m.last = s
	k := s.Org + string(s.Digest[:])
	if prev, ok := m.subs[k]; ok {
		return hub.StoreResult{Submission: prev, Replayed: true}, nil
	}
	sub := s.Submission
	sub.Accepted = len(s.Objects)
	m.subs[k], m.byID[sub.ID] = sub, sub
	return hub.StoreResult{Submission: sub}, nil
}

func (m *memStore) Submission(_ context.Context, org, id string) (hub.Submission, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.byID[id]
	if !ok || s.Org != org {
		return hub.Submission{}, hub.ErrNotFound
	}
	return s, nil
}

func (m *memStore) KnownMarkings(_ context.Context, _ hub.Viewer, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		for _, k := range m.markings {
			if k == id {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// RegisteredParticipants: the orgs holding keys are the participants.
func (m *memStore) RegisteredParticipants(_ context.Context, ids []string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, id := range ids {
		if _, ok := m.keys[id]; ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// VisibleVersions: the fake serves receipts to the submitting org's
// member tier only (hub.receiptReadable never asks for it).
func (m *memStore) VisibleVersions(context.Context, hub.Viewer, string, []hub.ReceiptObject) (int, error) {
	return 0, nil
}

type noRevocations struct{}

func (noRevocations) TokenRevoked(context.Context, string) (bool, error) { return false, nil }

// fixture is a hub with orgA and orgB registered, each with an EdDSA key.
type fixture struct {
	t     *testing.T
	store *memStore
	srv   *Server
	auth  *auth.Authority
	keys  map[string]*jose.JSONWebKey // private, by org
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	f := &fixture{t: t, store: newMemStore(), keys: map[string]*jose.JSONWebKey{}}
	for _, org := range []string{orgA, orgB} {
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
	hubKey, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	if f.auth, err = auth.NewAuthority(auth.AuthorityConfig{Keys: []jose.JSONWebKey{*hubKey}, Revocations: noRevocations{}}); err != nil {
		t.Fatal(err)
	}
	f.srv = New(cfg, Deps{Log: zerolog.Nop(), Authenticate: fakeAuthenticate, Ingest: hub.NewIngestService(hub.IngestConfig{MaxBytes: cfg.MaxBodyBytes}, f.store, f.auth, nil, nil)})
	return f
}

// fakeAuthenticate reads "Bearer org scope,scope" as the principal, so the
// handler tests do not depend on token machinery.
func fakeAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			org, scopes, _ := strings.Cut(tok, " ")
			if org == "-" {
				org = ""
			}
			p := &auth.Principal{Org: org, Tier: auth.TierMember, Scopes: strings.Split(scopes, ",")}
			r = r.WithContext(auth.NewContext(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

var uuidSeq int

// indicator returns an unsigned indicator by org with pattern and extra
// members (JSON text starting with a comma).
func indicator(org, pattern, extra string) string {
	uuidSeq++
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d",`+
		`"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":%q,`+
		`"pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}`, uuidSeq, org, pattern, extra)
}

// sign signs obj with org's key.
func (f *fixture) sign(org, obj string, recipients []string) string {
	f.t.Helper()
	b, err := auth.SignObject([]byte(obj), f.keys[org], recipients)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

func bundle(objs ...string) string {
	return `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + strings.Join(objs, ",") + `]}`
}

// post sends body as a submission with the given principal and returns
// the status and decoded answer.
func (f *fixture) post(principal, contentType, body string) (int, map[string]any, http.Header) {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/bundles", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if principal != "" {
		req.Header.Set("Authorization", "Bearer "+principal)
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		f.t.Fatalf("answer %d is not JSON: %q", rec.Code, rec.Body.String())
	}
	return rec.Code, out, rec.Header()
}

const stixType = "application/stix+json;version=2.1"

func TestSubmitBundle(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 64 << 10})
	good := func() string {
		return f.sign(orgA, indicator(orgA, "[domain-name:value = 'Evil.Example']", ""), nil)
	}
	tests := []struct {
		name        string
		principal   string
		contentType string
		body        string
		status      int
		code        string
		items       int // errors[] entries, -1 = do not check
	}{
		{"OK stix media type", orgA + " submit", stixType, bundle(good()), 201, "", 0},
		{"OK json media type", orgA + " submit", "application/json; charset=utf-8", bundle(good()), 201, "", 0},
		{"unauthenticated", "", stixType, bundle(good()), 401, hub.CodeUnauthorized, -1},
		{"no submit scope", orgA + " read", stixType, bundle(good()), 403, hub.CodeForbidden, -1},
		{"token without org", "- submit", stixType, bundle(good()), 403, hub.CodeForbidden, -1},
		{"media type", orgA + " submit", "text/plain", bundle(good()), 415, hub.CodeUnsupportedMedia, -1},
		{"STIX version", orgA + " submit", "application/stix+json;version=2.0", bundle(good()), 415, hub.CodeUnsupportedMedia, -1},
		{"truncated", orgA + " submit", stixType, bundle(good())[:40], 400, hub.CodeInvalidJSON, 1},
		{"trailing data", orgA + " submit", stixType, bundle(good()) + "{}", 400, hub.CodeInvalidJSON, 1},
		{"case-variant keys", orgA + " submit", stixType, `{"type":"bundle","TYPE":"bundle"}`, 400, hub.CodeInvalidJSON, 1},
		{"too large", orgA + " submit", stixType, bundle(good(), indicator(orgA, "[x:y = '"+strings.Repeat("a", 70<<10)+"']", "")), 413, hub.CodeTooLarge, -1},
		{"NUL in a string", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"name":"a\u0000b"`), nil)), 422, hub.CodeInvalidObject, 1},
		{"invalid pattern", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = ", ""), nil), f.sign(orgA, indicator(orgA, "((", ""), nil)), 422, hub.CodeInvalidPattern, 2},
		{"invalid object and pattern", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[", `,"confidence":101`), nil)), 422, hub.CodeInvalidObject, 2},
		{"unsigned", orgA + " submit", stixType, bundle(good(), indicator(orgA, "[domain-name:value = 'a.example']", "")), 400, hub.CodeInvalidSignature, 1},
		{"tampered", orgA + " submit", stixType, bundle(strings.Replace(good(), "Evil.Example", "Good.Example", 1)), 400, hub.CodeInvalidSignature, 1},
		{"signed by another participant", orgA + " submit", stixType, bundle(f.sign(orgB, indicator(orgA, "[domain-name:value = 'a.example']", ""), nil)), 403, hub.CodeSignerMismatch, 1},
		{"created_by_ref names another org", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgB, "[domain-name:value = 'a.example']", ""), nil)), 403, hub.CodeSignerMismatch, 1},
		{"RED without recipients", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"object_marking_refs":["`+stix.TLPRedID+`"]`), nil)), 422, hub.CodeInvalidObject, 1},
		{"unknown marking is RED", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"object_marking_refs":["marking-definition--0c000000-0000-4000-8000-000000000001"]`), nil)), 422, hub.CodeInvalidObject, 1},
		{"RED with recipients", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", `,"object_marking_refs":["`+stix.TLPRedID+`"]`), []string{orgB})), 201, "", 0},
		{"recipient not an identity", orgA + " submit", stixType, bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", ""), []string{"indicator--00000000-0000-4000-8000-000000000000"})), 422, hub.CodeInvalidObject, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := f.post(tc.principal, tc.contentType, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.code != "" && body["code"] != tc.code {
				t.Fatalf("code %v, want %s: %v", body["code"], tc.code, body)
			}
			if tc.items < 0 {
				return
			}
			items, _ := body["errors"].([]any)
			if len(items) != tc.items {
				t.Fatalf("%d errors[] entries, want %d: %v", len(items), tc.items, body)
			}
			for _, it := range items {
				m := it.(map[string]any)
				if m["message"] == nil {
					t.Errorf("entry without message: %v", m)
				}
				// Findings about objects name the object and point into it
				// (a decoding error may point at the root, "", omitted).
				if tc.status == 422 || tc.status == 403 || tc.code == hub.CodeInvalidSignature {
					id, _ := m["object"].(string)
					ptr, _ := m["pointer"].(string)
					if !strings.HasPrefix(id, "indicator--") || !strings.HasPrefix(ptr, "/objects/") {
						t.Errorf("entry does not name the object and a pointer into it: %v", m)
					}
				}
			}
		})
	}
}

func TestSubmitReceiptAndReplay(t *testing.T) {
	f := newFixture(t, Config{})
	marking := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--0d000000-0000-4000-8000-000000000001",` +
		`"created":"2026-01-01T00:00:00.000Z","created_by_ref":"` + orgA + `","definition_type":"statement","definition":{"statement":"internal"}}`
	tlpGreen := `{"type":"marking-definition","spec_version":"2.1","id":"` + stix.TLPGreenID + `","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN",` +
		`"extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`
	ind := f.sign(orgA, indicator(orgA, "[ipv4-addr:value ISSUBSET '10.0.0.0/8'] OR [file:hashes.'SHA-256' = 'AB"+strings.Repeat("0", 62)+"']",
		`,"object_marking_refs":["`+stix.TLPGreenID+`","marking-definition--0d000000-0000-4000-8000-000000000001"]`), nil)
	body := bundle(tlpGreen, f.sign(orgA, marking, nil), ind)

	status, first, _ := f.post(orgA+" submit", stixType, body)
	if status != 201 || first["accepted"] != 2.0 {
		t.Fatalf("first post %d %v", status, first)
	}
	ns := f.store.last
	if len(ns.Objects) != 2 {
		t.Fatalf("stored %d objects, want the participant's marking and the indicator (never the TLP marking)", len(ns.Objects))
	}
	if m := ns.Objects[0]; m.Type != "marking-definition" || m.Modified != "2026-01-01T00:00:00.000Z" {
		t.Fatalf("marking stored as %+v", m)
	}
	so := ns.Objects[1]
	if so.TLP != stix.TLPGreen || so.CreatedBy != orgA || so.Signature == "" || so.KID != f.keys[orgA].KeyID {
		t.Fatalf("indicator stored as TLP %s by %s kid %s", so.TLP, so.CreatedBy, so.KID)
	}
	wantObs := []hub.Observable{
		{Kind: "ipv4", Value: "10.0.0.0/8", Path: "ipv4-addr:value", Op: "ISSUBSET"},
		{Kind: "sha256", Value: "ab" + strings.Repeat("0", 62), Path: "file:hashes.'SHA-256'", Op: "="},
	}
	if fmt.Sprint(so.Observables) != fmt.Sprint(wantObs) {
		t.Fatalf("observables %v, want %v", so.Observables, wantObs)
	}
	if !bytes.Contains([]byte(body), so.Raw) {
		t.Fatal("raw is not the exact bytes received")
	}

	payload, err := f.auth.VerifyReceipt(first["receipt"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var rp hub.ReceiptPayload
	if err := json.Unmarshal(payload, &rp); err != nil {
		t.Fatal(err)
	}
	if rp.Submission != first["submission"] || rp.Org != orgA || rp.Received != first["received"] || len(rp.Objects) != 2 {
		t.Fatalf("receipt payload %+v for answer %v", rp, first)
	}

	status, again, _ := f.post(orgA+" submit", "application/json", body)
	if status != 200 || again["receipt"] != first["receipt"] || again["submission"] != first["submission"] {
		t.Fatalf("retry %d %v, want 200 with the original receipt", status, again)
	}

	req := httptest.NewRequest(http.MethodGet, "/v1/submissions/"+first["submission"].(string), nil)
	for _, tc := range []struct {
		principal string
		status    int
	}{{orgA + " read", 200}, {orgA + " submit", 200}, {orgB + " read", 404}, {orgA + " admin", 403}} {
		req.Header.Set("Authorization", "Bearer "+tc.principal)
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("GET submission as %s = %d, want %d", tc.principal, rec.Code, tc.status)
		}
		if tc.status == 200 && !strings.Contains(rec.Body.String(), first["receipt"].(string)) {
			t.Errorf("GET submission does not return the receipt: %s", rec.Body.String())
		}
	}
}

func TestSubmitStoreRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	body := bundle(f.sign(orgA, indicator(orgA, "[domain-name:value = 'a.example']", ""), nil))
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"conflict", &hub.VersionError{Err: hub.ErrConflict, ID: "indicator--00000000-0000-4000-8000-000000000000"}, 409, hub.CodeConflict},
		{"database down", fmt.Errorf("store submission: %w", hub.ErrUnavailable), 503, hub.CodeUnavailable},
		{"internal", errors.New("boom"), 500, hub.CodeInternal},
	}
	// The key registry failing is an outage too.
	t.Run("keys unavailable", func(t *testing.T) {
		f.store.keysErr = fmt.Errorf("load keys: %w", hub.ErrUnavailable)
		defer func() { f.store.keysErr = nil }()
		status, out, h := f.post(orgA+" submit", stixType, body)
		if status != 503 || out["code"] != hub.CodeUnavailable || h.Get("Retry-After") == "" {
			t.Fatalf("%d %v", status, out)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.store.err = tc.err
			status, out, h := f.post(orgA+" submit", stixType, body)
			if status != tc.status || out["code"] != tc.code {
				t.Fatalf("%d %v, want %d %s", status, out, tc.status, tc.code)
			}
			if tc.status == 503 && h.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			if tc.status == 500 && strings.Contains(fmt.Sprint(out), "boom") {
				t.Fatal("internal error leaked to the client")
			}
		})
	}
}

// A bundle large enough to verify in parallel gets every signature
// checked: one bad object among many is found.
func TestSubmitVerifiesEveryObjectInParallel(t *testing.T) {
	f := newFixture(t, Config{})
	objs := make([]string, 300)
	for i := range objs {
		objs[i] = f.sign(orgA, indicator(orgA, fmt.Sprintf("[domain-name:value = 'h%d.example']", i), ""), nil)
	}
	status, out, _ := f.post(orgA+" submit", stixType, bundle(objs...))
	if status != 201 || out["accepted"] != 300.0 {
		t.Fatalf("%d %v", status, out)
	}
	objs[217] = strings.Replace(objs[217], "h217.example", "x217.example", 1)
	status, out, _ = f.post(orgA+" submit", stixType, bundle(objs...))
	items, _ := out["errors"].([]any)
	if status != 400 || len(items) != 1 || items[0].(map[string]any)["pointer"] != "/objects/217/extensions/"+auth.ExtensionID+"/signature" {
		t.Fatalf("%d %v", status, out)
	}
}
