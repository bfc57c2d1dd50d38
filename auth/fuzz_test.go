package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzVerifyObject feeds arbitrary bytes to the verifier: it must never
// panic, and must never accept anything but the exact signed object.
func FuzzVerifyObject(f *testing.F) {
	// Not testKeySet: RSA key generation under coverage instrumentation
	// would stall every fuzz worker.
	priv, err := GenerateKey("EdDSA")
	if err != nil {
		f.Fatal(err)
	}
	keys := []Key{registered(f, orgA, priv)}
	signed := sign(f, testIndicator, priv, []string{orgA})
	f.Add(signed)
	f.Add([]byte(testIndicator))
	f.Add([]byte(`{"extensions":{"` + ExtensionID + `":{"signature":"e30..AA"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := VerifyObject(data, keys, time.Now())
		if err != nil {
			if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrSignerMismatch) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			return
		}
		if v.Signer != orgA {
			t.Fatalf("accepted with signer %q", v.Signer)
		}
	})
}

// FuzzVerifyToken feeds arbitrary strings to token verification: it must
// never panic and must refuse everything with ErrUnauthorized except a
// token the authority issued.
func FuzzVerifyToken(f *testing.F) {
	key, err := GenerateKey("EdDSA")
	if err != nil {
		f.Fatal(err)
	}
	a, err := NewAuthority(AuthorityConfig{Keys: []jose.JSONWebKey{*key}, Revocations: &memRevocations{}})
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := a.Issue(context.Background(), TokenClaims{Org: orgA, Tier: TierMember, Scopes: []string{"read"}, TTL: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := a.Verify(context.Background(), s)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) || p != nil {
				t.Fatalf("Verify = %v, %v", p, err)
			}
			return
		}
		if p.Org != orgA || p.Tier != TierMember {
			t.Fatalf("accepted principal %+v", p)
		}
	})
}
