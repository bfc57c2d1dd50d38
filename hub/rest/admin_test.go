package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// memRegistry is an in-memory hub.AdminStore and auth.RevocationChecker.
type memRegistry struct {
	mu           sync.Mutex
	participants []auth.Participant
	keys         []auth.Key
	revoked      map[string]time.Time
}

func (m *memRegistry) CreateParticipant(_ context.Context, p auth.Participant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.participants {
		if q.ID == p.ID {
			return hub.ErrConflict
		}
	}
	m.participants = append(m.participants, p)
	return nil
}

func (m *memRegistry) Participants(context.Context) ([]auth.Participant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.participants), nil
}

func (m *memRegistry) Participant(_ context.Context, id string) (auth.Participant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.participants {
		if p.ID == id {
			return p, nil
		}
	}
	return auth.Participant{}, hub.ErrNotFound
}

func (m *memRegistry) AddKey(ctx context.Context, k auth.Key) error {
	if _, err := m.Participant(ctx, k.Participant); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.keys {
		if q.KID == k.KID {
			return hub.ErrConflict
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

func (m *memRegistry) RevokeKey(_ context.Context, kid string, at time.Time) (auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].KID == kid {
			if m.keys[i].RevokedAt == nil {
				m.keys[i].RevokedAt = &at
			}
			return m.keys[i], nil
		}
	}
	return auth.Key{}, fmt.Errorf("%w: %w", auth.ErrKeyNotFound, hub.ErrNotFound)
}

func (m *memRegistry) ParticipantKeys(_ context.Context, participant string) ([]auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []auth.Key
	for _, k := range m.keys {
		if k.Participant == participant {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memRegistry) Keys(context.Context) ([]auth.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.keys), nil
}

func (m *memRegistry) RevokeToken(_ context.Context, jti string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.revoked == nil {
		m.revoked = map[string]time.Time{}
	}
	m.revoked[jti] = expires
	return nil
}

func (m *memRegistry) TokenRevoked(_ context.Context, jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.revoked[jti]
	return ok, nil
}

const (
	adminOrg = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	otherOrg = "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
)

// adminServer returns a server wired with an in-memory registry, a real
// token authority, and an admin token and a read token.
func adminServer(t *testing.T) (h http.Handler, reg *memRegistry, a *auth.Authority, admin, reader string) {
	t.Helper()
	reg = &memRegistry{}
	key, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	a, err = auth.NewAuthority(auth.AuthorityConfig{Keys: []jose.JSONWebKey{*key}, Revocations: reg})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{}, Deps{
		Log:          zerolog.Nop(),
		Authenticate: auth.Authenticate(a, nil),
		Admin:        hub.NewAdminService(reg, a, nil),
	})
	issue := func(scope string) string {
		tok, _, err := a.Issue(context.Background(), auth.TokenClaims{Org: adminOrg, Tier: auth.TierMember, Scopes: []string{scope}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return s.Handler(), reg, a, issue("admin"), issue("read")
}

func call(t *testing.T, h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAdminRegistry(t *testing.T) {
	h, _, a, admin, reader := adminServer(t)
	priv, _ := auth.GenerateKey("ES256")
	pub, _ := priv.Public().MarshalJSON()

	steps := []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"create participant", "POST", "/v1/admin/participants", admin, `{"id":"` + adminOrg + `","name":"CERT A","country":"BE","sector":"government"}`, 201, ""},
		{"create participant again", "POST", "/v1/admin/participants", admin, `{"id":"` + adminOrg + `","name":"CERT A"}`, 409, "conflict"},
		{"create participant bad id", "POST", "/v1/admin/participants", admin, `{"id":"identity--x","name":"X"}`, 400, "bad_request"},
		{"create participant unknown field", "POST", "/v1/admin/participants", admin, `{"id":"` + otherOrg + `","name":"B","role":"x"}`, 400, "invalid_json"},
		{"create participant with read scope", "POST", "/v1/admin/participants", reader, `{"id":"` + otherOrg + `","name":"B"}`, 403, "forbidden"},
		{"add key", "POST", "/v1/admin/participants/" + adminOrg + "/keys", admin, string(pub), 201, ""},
		{"add key again", "POST", "/v1/admin/participants/" + adminOrg + "/keys", admin, string(pub), 409, "conflict"},
		{"add private key", "POST", "/v1/admin/participants/" + adminOrg + "/keys", admin, mustJSON(t, priv), 400, "bad_request"},
		{"add key to unknown participant", "POST", "/v1/admin/participants/" + otherOrg + "/keys", admin, string(pub), 404, "not_found"},
		{"list participants (admin)", "GET", "/v1/admin/participants", admin, "", 200, ""},
		{"list participants (read)", "GET", "/v1/participants", reader, "", 200, ""},
		{"participant jwks", "GET", "/v1/participants/" + adminOrg + "/jwks", reader, "", 200, ""},
		{"jwks of unknown participant", "GET", "/v1/participants/" + otherOrg + "/jwks", reader, "", 404, "not_found"},
		{"revoke key", "POST", "/v1/admin/keys/" + priv.KeyID + "/revoke", admin, "", 200, ""},
		{"revoke unknown key", "POST", "/v1/admin/keys/nope/revoke", admin, "", 404, "not_found"},
		{"issue token", "POST", "/v1/admin/tokens", admin, `{"org":"` + adminOrg + `","tier":"client","scope":"read","ttl":"2h"}`, 201, ""},
		{"issue token bad tier", "POST", "/v1/admin/tokens", admin, `{"org":"` + adminOrg + `","tier":"root","scope":"read","ttl":"2h"}`, 400, "bad_request"},
		{"issue token beyond max lifetime", "POST", "/v1/admin/tokens", admin, `{"org":"` + adminOrg + `","tier":"member","scope":"read","ttl":"48h"}`, 400, "bad_request"},
		{"issue token unknown org", "POST", "/v1/admin/tokens", admin, `{"org":"` + otherOrg + `","tier":"member","scope":"read","ttl":"1h"}`, 404, "not_found"},
		{"revoke token without jti", "POST", "/v1/admin/tokens/revoke", admin, `{}`, 400, "bad_request"},
		{"hub jwks without token", "GET", "/.well-known/jwks.json", "", "", 200, ""},
		{"participants without token", "GET", "/v1/participants", "", "", 401, "unauthorized"},
	}
	for _, st := range steps {
		w := call(t, h, st.method, st.path, st.token, st.body)
		if w.Code != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, w.Code, st.status, w.Body)
		}
		if st.code != "" {
			var p problem.Doc
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != st.code {
				t.Fatalf("%s: problem %s, want code %s", st.name, w.Body, st.code)
			}
		}
	}

	// The participant JWKS shows the key as revoked and usable offline.
	w := call(t, h, "GET", "/v1/participants/"+adminOrg+"/jwks", reader, "")
	keys, err := auth.ParseJWKS(w.Body.Bytes(), "")
	if err != nil || len(keys) != 1 || keys[0].KID != priv.KeyID || keys[0].RevokedAt == nil || keys[0].Participant != adminOrg {
		t.Fatalf("jwks = %s (%v)", w.Body, err)
	}
	// The hub JWKS carries public keys only.
	w = call(t, h, "GET", "/.well-known/jwks.json", "", "")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 || !set.Keys[0].IsPublic() {
		t.Fatalf("hub jwks = %s", w.Body)
	}
	// An issued token works, and stops working once revoked by value.
	w = call(t, h, "POST", "/v1/admin/tokens", admin, `{"org":"`+adminOrg+`","tier":"member","scope":"read","ttl":"1h"}`)
	var tr hub.TokenResponse
	if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil || tr.Token == "" || tr.JTI == "" {
		t.Fatalf("issue: %s", w.Body)
	}
	if p, err := a.Verify(context.Background(), tr.Token); err != nil || p.Tier != auth.TierMember || !p.HasScope("read") {
		t.Fatalf("issued token: %+v, %v", p, err)
	}
	if w := call(t, h, "GET", "/v1/participants", tr.Token, ""); w.Code != 200 {
		t.Fatalf("issued token refused: %d", w.Code)
	}
	if w := call(t, h, "POST", "/v1/admin/tokens/revoke", admin, `{"token":"`+tr.Token+`"}`); w.Code != 200 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if w := call(t, h, "GET", "/v1/participants", tr.Token, ""); w.Code != 401 {
		t.Fatalf("revoked token: %d, want 401", w.Code)
	}
}

func TestAdminWithoutDepsIs503(t *testing.T) {
	s := New(Config{}, Deps{Log: zerolog.Nop()})
	w := call(t, s.Handler(), "GET", "/.well-known/jwks.json", "", "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d", w.Code)
	}
}

func mustJSON(t *testing.T, v json.Marshaler) string {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
