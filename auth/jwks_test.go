package auth

import (
	"errors"
	"testing"
	"time"
)

func TestJWKSRoundTrip(t *testing.T) {
	revoked := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	a := registered(t, orgA, testKeySet()["EdDSA"])
	a.NotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := registered(t, orgB, testKeySet()["PS256"])
	b.RevokedAt = &revoked
	data, err := MarshalJWKS([]Key{a, b})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseJWKS(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d keys", len(keys))
	}
	if k := keys[0]; k.KID != a.KID || k.Participant != orgA || k.Alg != "EdDSA" || !k.NotBefore.Equal(a.NotBefore) || k.RevokedAt != nil {
		t.Fatalf("key 0 = %+v", k)
	}
	if k := keys[1]; k.KID != b.KID || k.Participant != orgB || k.Alg != "PS256" || k.RevokedAt == nil || !k.RevokedAt.Equal(revoked) {
		t.Fatalf("key 1 = %+v", k)
	}
	// A signature by the revoked key is refused after its revocation.
	signed := sign(t, testIndicator, testKeySet()["PS256"], nil)
	if _, err := VerifyObject(signed, keys, revoked.Add(time.Second)); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("err = %v, want ErrKeyRevoked", err)
	}
}

func TestParseJWKSDefaultParticipantAndErrors(t *testing.T) {
	pub, _ := testKeySet()["ES256"].Public().MarshalJSON()
	keys, err := ParseJWKS([]byte(`{"keys":[`+string(pub)+`]}`), orgB)
	if err != nil || len(keys) != 1 || keys[0].Participant != orgB {
		t.Fatalf("ParseJWKS = %+v, %v", keys, err)
	}
	for _, bad := range []string{`{"keys":[{"kty":"oct","k":"AAAA"}]}`, `{"keys":`, `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}`} {
		if _, err := ParseJWKS([]byte(bad), orgA); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseJWKS(%s) err = %v, want ErrInvalidKey", bad, err)
		}
	}
}
