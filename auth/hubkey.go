package auth

import (
	"context"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultHubAlgorithm is the algorithm of a hub key generated on first start.
const DefaultHubAlgorithm = "EdDSA"

// HubKey is one of the hub's own signing keys as stored.
type HubKey struct {
	KID       string
	Alg       string
	Private   jose.JSONWebKey
	CreatedAt time.Time
	RetiredAt *time.Time // retired keys verify but no longer sign
}

// HubKeyStore keeps the hub's keys where every replica finds them.
type HubKeyStore interface {
	// HubKeys returns the keys, newest first; the first non-retired one
	// signs.
	HubKeys(ctx context.Context) ([]HubKey, error)
	// CreateHubKeyIfNone stores k unless a non-retired key already exists,
	// atomically with respect to concurrent callers on any replica.
	CreateHubKeyIfNone(ctx context.Context, k HubKey) error
}

// EnsureHubKeys returns the hub's signing keys (signing key first, then the
// retired ones that still verify), generating and storing an alg key first
// when the store has none. Two replicas starting at once end up with the
// same single key.
func EnsureHubKeys(ctx context.Context, store HubKeyStore, alg string) ([]jose.JSONWebKey, error) {
	keys, err := store.HubKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("ensure hub keys: %w", err)
	}
	if !hasActive(keys) {
		jwk, err := GenerateKey(alg)
		if err != nil {
			return nil, fmt.Errorf("ensure hub keys: %w", err)
		}
		k := HubKey{KID: jwk.KeyID, Alg: alg, Private: *jwk}
		if err := store.CreateHubKeyIfNone(ctx, k); err != nil {
			return nil, fmt.Errorf("ensure hub keys: %w", err)
		}
		if keys, err = store.HubKeys(ctx); err != nil {
			return nil, fmt.Errorf("ensure hub keys: %w", err)
		}
	}
	var active, retired []jose.JSONWebKey
	for _, k := range keys {
		jwk := k.Private
		jwk.KeyID, jwk.Algorithm = k.KID, k.Alg
		if _, err := CheckSigningKey(&jwk); err != nil {
			return nil, fmt.Errorf("ensure hub keys: hub key %q: %w", k.KID, err)
		}
		if k.RetiredAt == nil && len(active) == 0 {
			active = append(active, jwk)
		} else {
			retired = append(retired, jwk)
		}
	}
	if len(active) == 0 {
		return nil, fmt.Errorf("ensure hub keys: %w: no active hub key after creation", ErrInvalidKey)
	}
	return append(active, retired...), nil
}

func hasActive(keys []HubKey) bool {
	for _, k := range keys {
		if k.RetiredAt == nil {
			return true
		}
	}
	return false
}
