package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres"
)

// The world of the end-to-end tests and benchmarks: participants with
// their signing keys and tokens, STIX objects built and signed as they
// would be, and the HTTP answers of a running `jag serve`.

// The participants of the end-to-end tests.
const (
	e2eOrgA = "identity--e2e0000a-0000-4000-8000-00000000000a"
	e2eOrgB = "identity--e2e0000b-0000-4000-8000-00000000000b"
	e2eOrgC = "identity--e2e0000c-0000-4000-8000-00000000000c"
)

// world is a migrated database with registered participants (one EdDSA
// key each), a token authority using the hub's own keys, and named tokens.
type world struct {
	t         testing.TB
	dbURL     string
	db        *postgres.DB
	keys      map[string]*jose.JSONWebKey // private signing key per org
	authority *auth.Authority
	tokens    map[string]string // name → access token, for post and tryPost
	seq       atomic.Int64
	idPrefix  uint32 // the clock when the world was made: ids differ across worlds and runs
}

// newWorld migrates the database at dbURL and registers orgs.
func newWorld(t testing.TB, dbURL string, orgs ...string) *world {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL, postgres.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dbURL: dbURL, db: db, keys: map[string]*jose.JSONWebKey{}, tokens: map[string]string{}, idPrefix: uint32(time.Now().UnixNano())}
	for _, org := range orgs {
		p, err := auth.NewParticipant(org, "CERT "+org[10:18], "LU", "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateParticipant(ctx, p); err != nil {
			t.Fatal(err)
		}
		priv, err := auth.GenerateKey("EdDSA")
		if err != nil {
			t.Fatal(err)
		}
		k, err := auth.NewKey(org, priv.Public(), time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		w.keys[org] = priv
	}
	hubKeys, err := auth.EnsureHubKeys(ctx, db, auth.DefaultHubAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	if w.authority, err = auth.NewAuthority(auth.AuthorityConfig{Keys: hubKeys, Revocations: db}); err != nil {
		t.Fatal(err)
	}
	return w
}

// newIngestWorld is a world of orgs A and B with the named tokens "a"
// (org A, submit read), "a-read" (org A, read), "b" (org B, submit) and
// "community" (no org, submit).
func newIngestWorld(t testing.TB, dbURL string) *world {
	t.Helper()
	w := newWorld(t, dbURL, e2eOrgA, e2eOrgB)
	w.tokens["a"] = w.token(e2eOrgA, auth.TierMember, auth.ScopeSubmit, auth.ScopeRead)
	w.tokens["a-read"] = w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)
	w.tokens["b"] = w.token(e2eOrgB, auth.TierMember, auth.ScopeSubmit)
	w.tokens["community"] = w.token("", auth.TierCommunity, auth.ScopeSubmit)
	return w
}

// token issues an access token valid for two hours (longer than any test
// or benchmark); org "" makes a token without org.
func (w *world) token(org, tier string, scopes ...string) string {
	w.t.Helper()
	tok, _, err := w.authority.Issue(context.Background(), auth.TokenClaims{Org: org, Tier: tier, Scopes: scopes, TTL: 2 * time.Hour})
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// uuid returns a fresh UUID-shaped suffix, distinct within the world and
// increasing in the order of the calls (the hub orders a bundle's objects
// by id).
func (w *world) uuid() string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", w.idPrefix, w.seq.Add(1))
}

// id returns a fresh identifier of type typ.
func (w *world) id(typ string) string { return typ + "--" + w.uuid() }

// indicatorOf returns an unsigned indicator of org; extra is appended to
// its members (e.g. `,"object_marking_refs":[…]`).
func indicatorOf(org, id, modified, pattern, extra string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z",`+
		`"modified":%q,"created_by_ref":%q,"indicator_types":["malicious-activity"],`+
		`"pattern":%q,"pattern_type":"stix","pattern_version":"2.1","valid_from":"2026-01-01T00:00:00Z"%s}`,
		id, modified, org, pattern, extra)
}

// indicatorJSON returns a fresh unsigned indicator of org, modified
// 2026-01-01T00:00:00.000Z.
func (w *world) indicatorJSON(org, pattern, extra string) string {
	return indicatorOf(org, w.id("indicator"), "2026-01-01T00:00:00.000Z", pattern, extra)
}

// marking is the object_marking_refs member naming one marking definition.
func marking(id string) string { return `,"object_marking_refs":["` + id + `"]` }

// sign signs obj with org's key, naming recipients if any.
func (w *world) sign(org, obj string, recipients ...string) string {
	w.t.Helper()
	b, err := auth.SignObject([]byte(obj), w.keys[org], recipients)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// signedIndicator is a fresh signed indicator of org for domain.
func (w *world) signedIndicator(org, domain string) string {
	return w.sign(org, w.indicatorJSON(org, "[domain-name:value = '"+domain+"']", ""))
}

// bundle wraps objs in a bundle with a fresh id.
func (w *world) bundle(objs ...string) string {
	return `{"type":"bundle","id":"bundle--` + w.uuid() + `","objects":[` + strings.Join(objs, ",") + `]}`
}

// submit posts objs as one bundle with a fresh submit token of org; the
// hub must accept it.
func (w *world) submit(base, org string, objs ...string) {
	w.t.Helper()
	a := hubDo(w.t, http.MethodPost, base+"/v1/bundles", w.token(org, auth.TierMember, auth.ScopeSubmit), stixContentType, w.bundle(objs...))
	if a.Status != http.StatusCreated {
		w.t.Fatalf("submit: %d %s", a.Status, a.Raw)
	}
}

// post sends body to base/v1/bundles with the named token ("" none).
func (w *world) post(base, token, contentType string, body []byte) answer {
	w.t.Helper()
	a, err := w.tryPost(base, token, contentType, body)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// tryPost is post for goroutines other than the test's: it returns the
// error instead of failing.
func (w *world) tryPost(base, token, contentType string, body []byte) (answer, error) {
	tok := ""
	if token != "" {
		tok = w.tokens[token]
	}
	return send(http.MethodPost, base+"/v1/bundles", tok, contentType, body)
}

// rowCounts are the rows of the ingest tables.
type rowCounts struct{ objects, observables, events, submissions int }

func (w *world) counts() rowCounts {
	w.t.Helper()
	var c rowCounts
	err := w.db.SQLX().QueryRow(`SELECT (SELECT count(*) FROM objects), (SELECT count(*) FROM observables),
		(SELECT count(*) FROM events), (SELECT count(*) FROM submissions)`).Scan(&c.objects, &c.observables, &c.events, &c.submissions)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// answer is one answer of the hub: the exact bytes, and the body decoded
// when it is a JSON object.
type answer struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// code returns the problem code of the answer ("" if it is not a problem).
func (a answer) code() string {
	if a.Header.Get("Content-Type") != "application/problem+json" {
		return ""
	}
	c, _ := a.Body["code"].(string)
	return c
}

// items returns the errors[] entries of a problem.
func (a answer) items() []map[string]any {
	list, _ := a.Body["errors"].([]any)
	out := make([]map[string]any, len(list))
	for i, it := range list {
		out[i], _ = it.(map[string]any)
	}
	return out
}

var e2eClient = &http.Client{Timeout: 60 * time.Second}

// send makes one request with a bearer token ("" none) and a body (nil
// none).
func send(method, url, token, contentType string, body []byte) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e2eClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &a.Body)
	return a, nil
}

// hubDo is send for the test's goroutine; body "" sends none.
func hubDo(t testing.TB, method, url, token, contentType, body string) answer {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	a, err := send(method, url, token, contentType, b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hubGet is a GET with a bearer token ("" none).
func hubGet(t testing.TB, url, token string) answer {
	return hubDo(t, http.MethodGet, url, token, "", "")
}
