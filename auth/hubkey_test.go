package auth

import (
	"context"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"time"
)

// memHubKeys is an in-memory HubKeyStore.
type memHubKeys struct {
	mu   sync.Mutex
	keys []HubKey
}

func (m *memHubKeys) HubKeys(context.Context) ([]HubKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]HubKey(nil), m.keys...), nil
}

func (m *memHubKeys) CreateHubKeyIfNone(_ context.Context, k HubKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if hasActive(m.keys) {
		return nil
	}
	m.keys = append([]HubKey{k}, m.keys...)
	return nil
}

func TestEnsureHubKeys(t *testing.T) {
	ctx := context.Background()
	store := &memHubKeys{}
	retired := time.Now()
	old := testKeySet()["ES256"]
	store.keys = []HubKey{{KID: old.KeyID, Alg: "ES256", Private: *old, RetiredAt: &retired}}

	// Concurrent first starts agree on one key.
	var wg sync.WaitGroup
	kids := make([]string, 4)
	for i := range kids {
		wg.Go(func() {
			keys, err := EnsureHubKeys(ctx, store, DefaultHubAlgorithm)
			if err != nil {
				t.Error(err)
				return
			}
			if len(keys) != 2 || keys[1].KeyID != old.KeyID {
				t.Errorf("keys = %d, want new + retired", len(keys))
				return
			}
			kids[i] = keys[0].KeyID
		})
	}
	wg.Wait()
	for _, kid := range kids[1:] {
		if kid != kids[0] {
			t.Fatalf("replicas disagree on the signing key: %v", kids)
		}
	}
	if got, _ := store.HubKeys(ctx); len(got) != 2 {
		t.Fatalf("store holds %d keys, want 2", len(got))
	}
	a, err := NewAuthority(AuthorityConfig{Keys: mustKeys(t, store), Revocations: &memRevocations{}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(a.JWKS().Keys); n != 2 {
		t.Fatalf("JWKS has %d keys", n)
	}
}

func mustKeys(t *testing.T, store HubKeyStore) []jose.JSONWebKey {
	keys, err := EnsureHubKeys(context.Background(), store, DefaultHubAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
