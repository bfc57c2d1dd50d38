package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// registerKey generates a key of alg for participant, registers its public
// half valid from notBefore and returns the private key.
func registerKey(t *testing.T, db *postgres.DB, participant, alg string, notBefore time.Time) (*jose.JSONWebKey, auth.Key) {
	t.Helper()
	priv, err := auth.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewKey(participant, priv.Public(), notBefore)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddKey(context.Background(), k); err != nil {
		t.Fatalf("AddKey: %v", err)
	}
	return priv, k
}

const keyTestIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
"created_by_ref":"` + orgA + `","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z",
"pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"}`

func TestKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := registryDB(t)
	start := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	_, ed := registerKey(t, db, orgA, "EdDSA", start)
	_, es := registerKey(t, db, orgA, "ES256", start)

	t.Run("OK", func(t *testing.T) {
		keys, err := db.ParticipantKeys(ctx, orgA)
		if err != nil || len(keys) != 2 {
			t.Fatalf("ParticipantKeys = %v, %v", keys, err)
		}
		got, err := db.KeyByKID(ctx, es.KID)
		if err != nil || got.Alg != "ES256" || got.Participant != orgA || !got.NotBefore.Equal(start) || got.RevokedAt != nil || !got.JWK.IsPublic() {
			t.Fatalf("KeyByKID = %+v, %v", got, err)
		}
		all, err := db.Keys(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("Keys = %d, %v", len(all), err)
		}
		if none, err := db.ParticipantKeys(ctx, orgB); err != nil || len(none) != 0 {
			t.Fatalf("keys of unknown participant = %v, %v", none, err)
		}
	})
	t.Run("ErrConflict duplicate kid", func(t *testing.T) {
		if err := db.AddKey(ctx, ed); !errors.Is(err, hub.ErrConflict) {
			t.Fatalf("err = %v, want hub.ErrConflict", err)
		}
	})
	t.Run("ErrNotFound unknown participant", func(t *testing.T) {
		priv, _ := auth.GenerateKey("EdDSA")
		k, _ := auth.NewKey(orgB, priv.Public(), start)
		if err := db.AddKey(ctx, k); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("err = %v, want hub.ErrNotFound", err)
		}
	})
	t.Run("ErrInvalidKey private", func(t *testing.T) {
		priv, _ := auth.GenerateKey("EdDSA")
		k := auth.Key{KID: priv.KeyID, Participant: orgA, Alg: "EdDSA", JWK: *priv, NotBefore: start}
		if err := db.AddKey(ctx, k); !errors.Is(err, auth.ErrInvalidKey) {
			t.Fatalf("err = %v, want auth.ErrInvalidKey", err)
		}
	})
	t.Run("ErrKeyNotFound", func(t *testing.T) {
		_, err := db.KeyByKID(ctx, "nope")
		if !errors.Is(err, auth.ErrKeyNotFound) || !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("KeyByKID err = %v", err)
		}
		if _, err := db.RevokeKey(ctx, "nope", time.Now()); !errors.Is(err, auth.ErrKeyNotFound) {
			t.Fatalf("RevokeKey err = %v", err)
		}
	})
	t.Run("RevokeKeepsEarliest", func(t *testing.T) {
		first := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
		if _, err := db.RevokeKey(ctx, es.KID, first); err != nil {
			t.Fatal(err)
		}
		k, err := db.RevokeKey(ctx, es.KID, first.Add(time.Hour))
		if err != nil || k.RevokedAt == nil || !k.RevokedAt.Equal(first) {
			t.Fatalf("RevokeKey = %+v, %v; want revoked at %v", k, err, first)
		}
	})
}

// TestKeyRevocationAcrossReplicas: a key revoked through one replica is
// refused by another replica on its next request. Two DB handles (two
// pools, as two processes would have) share one database.
func TestKeyRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	replica1, replica2 := openDB(t, url), openDB(t, url)
	mustCreateParticipant(t, replica1, orgA, "CERT A")
	priv, key := registerKey(t, replica1, orgA, "EdDSA", time.Now().Add(-time.Hour))
	signed, err := auth.SignObject([]byte(keyTestIndicator), priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(db *postgres.DB) error {
		v, err := auth.NewVerifier(ctx, db, orgA, time.Now()) // one request
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(ctx, signed)
		return err
	}
	if err := verify(replica2); err != nil {
		t.Fatalf("before revocation, replica 2: %v", err)
	}
	if _, err := replica1.RevokeKey(ctx, key.KID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*postgres.DB{"replica 1": replica1, "replica 2": replica2} {
		if err := verify(db); !errors.Is(err, auth.ErrKeyRevoked) || !errors.Is(err, auth.ErrInvalidSignature) {
			t.Fatalf("after revocation, %s: err = %v, want ErrKeyRevoked", name, err)
		}
	}
}

// openDB opens a pool of its own on url, as one replica process would.
func openDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
