package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestHubKeysConcurrentFirstStart: replicas starting at once on an empty
// database agree on one generated key.
func TestHubKeysConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	const replicas = 4
	kids := make([]string, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		db := openDB(t, url)
		wg.Go(func() {
			keys, err := auth.EnsureHubKeys(ctx, db, auth.DefaultHubAlgorithm)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = keys[0].KeyID
		})
	}
	wg.Wait()
	for _, kid := range kids {
		if kid == "" || kid != kids[0] {
			t.Fatalf("replicas disagree: %v", kids)
		}
	}
	db := openDB(t, url)
	stored, err := db.HubKeys(ctx)
	if err != nil || len(stored) != 1 {
		t.Fatalf("HubKeys = %d keys, %v; want 1", len(stored), err)
	}
	if stored[0].Private.IsPublic() || stored[0].Alg != "EdDSA" {
		t.Fatalf("stored key = %+v", stored[0])
	}
	// The stored key signs tokens any replica verifies.
	keys, err := auth.EnsureHubKeys(ctx, db, auth.DefaultHubAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.NewAuthority(auth.AuthorityConfig{Keys: keys, Revocations: db})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Issue(ctx, auth.TokenClaims{Org: orgA, Tier: auth.TierMember, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.NewAuthority(auth.AuthorityConfig{Keys: []jose.JSONWebKey{stored[0].Private}, Revocations: openDB(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(ctx, tok); err != nil {
		t.Fatalf("other replica: %v", err)
	}
}
