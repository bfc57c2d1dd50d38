package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestTokenRevocationAcrossReplicas: a jti revoked through one replica is
// refused by another on its next request.
func TestTokenRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	replica1, replica2 := openDB(t, url), openDB(t, url)
	key, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := auth.NewAuthority(auth.AuthorityConfig{Keys: []jose.JSONWebKey{*key}, Revocations: replica2})
	if err != nil {
		t.Fatal(err)
	}
	tok, jti, err := a2.Issue(ctx, auth.TokenClaims{Org: orgA, Tier: auth.TierMember, Scopes: []string{"read"}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Verify(ctx, tok); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	if err := replica1.RevokeToken(ctx, jti, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := replica1.RevokeToken(ctx, jti, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := a2.Verify(ctx, tok); !errors.Is(err, auth.ErrTokenRevoked) || !errors.Is(err, auth.ErrUnauthorized) {
		t.Fatalf("after revocation on replica 1, replica 2: err = %v", err)
	}
}

func TestPurgeRevokedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Now()
	for jti, exp := range map[string]time.Time{"old": now.Add(-time.Hour), "live": now.Add(time.Hour)} {
		if err := db.RevokeToken(ctx, jti, exp); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PurgeRevokedTokens(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("PurgeRevokedTokens = %d, %v; want 1", n, err)
	}
	for jti, want := range map[string]bool{"old": false, "live": true} {
		if got, err := db.TokenRevoked(ctx, jti); err != nil || got != want {
			t.Fatalf("TokenRevoked(%s) = %v, %v; want %v", jti, got, err, want)
		}
	}
}
