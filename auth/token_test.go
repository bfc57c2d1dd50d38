package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// memRevocations is an in-memory RevocationChecker.
type memRevocations struct {
	mu      sync.Mutex
	revoked map[string]bool
	err     error
}

func (m *memRevocations) TokenRevoked(_ context.Context, jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.revoked[jti], m.err
}

func (m *memRevocations) revoke(jti string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.revoked == nil {
		m.revoked = map[string]bool{}
	}
	m.revoked[jti] = true
}

var tokenNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestAuthority(t testing.TB, mutate func(*AuthorityConfig)) (*Authority, *memRevocations) {
	t.Helper()
	rev := &memRevocations{}
	cfg := AuthorityConfig{
		Keys:        []jose.JSONWebKey{*testKeySet()["EdDSA"]},
		Revocations: rev,
		Now:         func() time.Time { return tokenNow },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := NewAuthority(cfg)
	if err != nil {
		t.Fatalf("NewAuthority: %v", err)
	}
	return a, rev
}

// rawToken signs arbitrary claims with the hub key under header typ and
// extra header members.
func rawToken(t testing.TB, key *jose.JSONWebKey, typ string, claims map[string]any, extra map[jose.HeaderKey]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	for k, v := range extra {
		opts.WithHeader(k, v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func goodClaims() map[string]any {
	return map[string]any{
		"iss": "jag", "aud": "jag", "sub": orgA, "org": orgA, "tier": "member", "scope": "read submit",
		"iat": tokenNow.Unix(), "nbf": tokenNow.Unix(), "exp": tokenNow.Add(time.Hour).Unix(), "jti": "j1",
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
	return m
}

func TestAuthorityIssueVerify(t *testing.T) {
	a, _ := newTestAuthority(t, nil)
	ctx := context.Background()
	tok, jti, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierClient, Scopes: []string{"read", "submit"}, TTL: time.Hour})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	p, err := a.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Principal{Subject: orgA, Org: orgA, Tier: TierClient, JTI: jti, Scopes: []string{"read", "submit"}, Expires: tokenNow.Add(time.Hour)}
	if p.Subject != want.Subject || p.Org != want.Org || p.Tier != want.Tier || p.JTI != want.JTI ||
		!slices.Equal(p.Scopes, want.Scopes) || !p.Expires.Equal(want.Expires) {
		t.Fatalf("principal = %+v, want %+v", *p, want)
	}
	if !p.HasScope("read") || p.HasScope("admin") {
		t.Fatal("HasScope wrong")
	}
}

func TestAuthorityIssueRefuses(t *testing.T) {
	a, _ := newTestAuthority(t, nil)
	tests := []struct {
		name string
		c    TokenClaims
	}{
		{"unknown tier", TokenClaims{Org: orgA, Tier: "root", TTL: time.Hour}},
		{"member without org", TokenClaims{Tier: TierMember, TTL: time.Hour}},
		{"unknown scope", TokenClaims{Org: orgA, Tier: TierMember, Scopes: []string{"write"}, TTL: time.Hour}},
		{"zero ttl", TokenClaims{Org: orgA, Tier: TierMember}},
		{"ttl beyond max lifetime", TokenClaims{Org: orgA, Tier: TierMember, TTL: 25 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := a.Issue(context.Background(), tt.c); !errors.Is(err, ErrTokenClaims) {
				t.Fatalf("err = %v, want ErrTokenClaims", err)
			}
		})
	}
}

// TestAuthorityVerifyHostile covers the token rows of RELIABILITY.md.
func TestAuthorityVerifyHostile(t *testing.T) {
	hub := testKeySet()["EdDSA"]
	extKey := testKeySet()["ES256"]
	a, rev := newTestAuthority(t, func(c *AuthorityConfig) {
		c.External = &ExternalIssuer{Issuer: "https://idp.example", Keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{extKey.Public()}}}
	})
	rev.revoke("revoked-jti")
	edPriv := hub.Key.(ed25519.PrivateKey)
	spki, _ := x509.MarshalPKIXPublicKey(edPriv.Public())
	claimsJSON := `{"iss":"jag","aud":"jag","sub":"x","org":"` + orgA + `","tier":"member","scope":"read","exp":` +
		strconv.FormatInt(tokenNow.Add(time.Hour).Unix(), 10) + `,"jti":"j1"}`
	hdr := func(alg, typ string) string {
		return `{"alg":"` + alg + `","kid":"` + hub.KeyID + `","typ":"` + typ + `"}`
	}
	objSig := sign(t, testIndicator, hub, nil)
	verified, err := VerifyObject(objSig, []Key{registered(t, orgA, hub)}, tokenNow)
	if err != nil {
		t.Fatal(err)
	}
	objCompact := forge(t, hdr("EdDSA", "stix+jws"), payloadOf(t, objSig), "EdDSA", edPriv)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"OK control", rawToken(t, hub, "at+jwt", goodClaims(), nil), nil},
		{"OK expired within leeway", rawToken(t, hub, "at+jwt", with(goodClaims(), "exp", tokenNow.Add(-20*time.Second).Unix()), nil), nil},
		{"OK external issuer", rawToken(t, extKey, "at+jwt", with(goodClaims(), "iss", "https://idp.example"), nil), nil},
		{"no exp", rawToken(t, hub, "at+jwt", with(goodClaims(), "exp", nil), nil), ErrTokenClaims},
		{"no jti", rawToken(t, hub, "at+jwt", with(goodClaims(), "jti", nil), nil), ErrTokenClaims},
		{"expired beyond leeway", rawToken(t, hub, "at+jwt", with(goodClaims(), "exp", tokenNow.Add(-31*time.Second).Unix()), nil), ErrTokenExpired},
		{"not yet valid", rawToken(t, hub, "at+jwt", with(goodClaims(), "nbf", tokenNow.Add(time.Minute).Unix()), nil), ErrTokenExpired},
		{"wrong aud", rawToken(t, hub, "at+jwt", with(goodClaims(), "aud", "other"), nil), ErrTokenClaims},
		{"wrong iss", rawToken(t, hub, "at+jwt", with(goodClaims(), "iss", "evil"), nil), ErrTokenClaims},
		{"hub key claiming the external issuer", rawToken(t, hub, "at+jwt", with(goodClaims(), "iss", "https://idp.example"), nil), ErrTokenClaims},
		{"external key claiming the hub issuer", rawToken(t, extKey, "at+jwt", goodClaims(), nil), ErrTokenClaims},
		{"lifetime beyond maximum", rawToken(t, hub, "at+jwt", with(goodClaims(), "exp", tokenNow.Add(25*time.Hour).Unix()), nil), ErrTokenClaims},
		{"lifetime beyond maximum without iat/nbf", rawToken(t, hub, "at+jwt", with(with(with(goodClaims(), "iat", nil), "nbf", nil), "exp", tokenNow.Add(48*time.Hour).Unix()), nil), ErrTokenClaims},
		{"unknown tier", rawToken(t, hub, "at+jwt", with(goodClaims(), "tier", "root"), nil), ErrTokenClaims},
		{"wrong typ", rawToken(t, hub, "JWT", goodClaims(), nil), ErrHeader},
		{"revoked jti", rawToken(t, hub, "at+jwt", with(goodClaims(), "jti", "revoked-jti"), nil), ErrTokenRevoked},
		{"embedded jwk header", rawToken(t, hub, "at+jwt", goodClaims(), map[jose.HeaderKey]any{"jwk": map[string]any{"kty": "OKP"}}), ErrHeader},
		{"jku header", rawToken(t, hub, "at+jwt", goodClaims(), map[jose.HeaderKey]any{"jku": "https://evil.example"}), ErrHeader},
		{"unknown kid", forge(t, `{"alg":"EdDSA","kid":"nope","typ":"at+jwt"}`, []byte(claimsJSON), "EdDSA", edPriv), ErrKeyNotFound},
		{"alg none", forge(t, hdr("none", "at+jwt"), []byte(claimsJSON), "none", nil), ErrMalformed},
		{"alg none with a signature part", forge(t, hdr("none", "at+jwt"), []byte(claimsJSON), "none", nil) + "AAAA", ErrAlgorithm},
		{"HS256 keyed with the public key", forge(t, hdr("HS256", "at+jwt"), []byte(claimsJSON), "HS256", spki), ErrAlgorithm},
		{"algorithm other than the key's", forge(t, hdr("ES256", "at+jwt"), []byte(claimsJSON), "EdDSA", edPriv), ErrAlgorithm},
		{"JWE five parts", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", ErrMalformed},
		{"signed object used as token (detached)", verified.Signature, ErrMalformed},
		{"signed object used as token (compact)", objCompact, ErrHeader},
		{"garbage", "not a token", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Verify(context.Background(), tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Verify = %v, %v; want ErrUnauthorized and %v", p, err, tt.want)
			}
		})
	}
}

func TestAuthorityStoreErrorIsNotUnauthorized(t *testing.T) {
	a, rev := newTestAuthority(t, nil)
	tok, _, err := a.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	down := errors.New("database down")
	rev.err = down
	_, err = a.Verify(context.Background(), tok)
	if !errors.Is(err, down) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want the store error and not ErrUnauthorized", err)
	}
}

func TestAuthorityRetiredKeyStillVerifies(t *testing.T) {
	old, _ := newTestAuthority(t, func(c *AuthorityConfig) { c.Keys = []jose.JSONWebKey{*testKeySet()["ES384"]} })
	tok, _, err := old.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rotated, _ := newTestAuthority(t, func(c *AuthorityConfig) {
		c.Keys = []jose.JSONWebKey{*testKeySet()["EdDSA"], *testKeySet()["ES384"]}
	})
	if _, err := rotated.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token of retired key: %v", err)
	}
	jwks := rotated.JWKS()
	if len(jwks.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(jwks.Keys))
	}
	for _, k := range jwks.Keys {
		if !k.IsPublic() {
			t.Fatalf("JWKS publishes private key %s", k.KeyID)
		}
	}
}

func TestReceipt(t *testing.T) {
	a, _ := newTestAuthority(t, nil)
	r, err := a.SignReceipt([]byte(`{"submission":"s"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.VerifyReceipt(r)
	if err != nil || string(got) != `{"submission":"s"}` {
		t.Fatalf("VerifyReceipt = %s, %v", got, err)
	}
	if _, err := a.Verify(context.Background(), r); !errors.Is(err, ErrHeader) {
		t.Fatalf("receipt used as token: err = %v, want ErrHeader", err)
	}
	tok, _, _ := a.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Minute})
	if _, err := a.VerifyReceipt(tok); !errors.Is(err, ErrHeader) {
		t.Fatalf("token used as receipt: err = %v, want ErrHeader", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	a, _ := newTestAuthority(t, nil)
	tok, jti, _ := a.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Hour})
	gotJTI, exp, err := TokenExpiry(tok)
	if err != nil || gotJTI != jti || !exp.Equal(tokenNow.Add(time.Hour)) {
		t.Fatalf("TokenExpiry = %q, %v, %v", gotJTI, exp, err)
	}
}

func TestAuthorityConcurrentUse(t *testing.T) {
	a, rev := newTestAuthority(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				tok, jti, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Minute})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := a.Verify(ctx, tok); err != nil {
					t.Error(err)
					return
				}
				rev.revoke(jti)
				if _, err := a.Verify(ctx, tok); !errors.Is(err, ErrTokenRevoked) {
					t.Errorf("revoked token: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
