package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestNewKey(t *testing.T) {
	set := testKeySet()
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	pub := func(alg string, mutate func(*jose.JSONWebKey)) jose.JSONWebKey {
		k := set[alg].Public()
		if mutate != nil {
			mutate(&k)
		}
		return k
	}
	tests := []struct {
		name    string
		jwk     jose.JSONWebKey
		wantAlg string
		wantErr error
	}{
		{"OK EdDSA inferred", pub("EdDSA", func(k *jose.JSONWebKey) { k.Algorithm = "" }), "EdDSA", nil},
		{"OK ES256 inferred", pub("ES256", func(k *jose.JSONWebKey) { k.Algorithm = "" }), "ES256", nil},
		{"OK ES384", pub("ES384", nil), "ES384", nil},
		{"OK PS256", pub("PS256", nil), "PS256", nil},
		{"OK RS256 named on an RSA key", pub("PS256", func(k *jose.JSONWebKey) { k.Algorithm = "RS256" }), "RS256", nil},
		{"RSA without alg", pub("RS256", func(k *jose.JSONWebKey) { k.Algorithm = "" }), "", ErrInvalidKey},
		{"EdDSA key claiming ES256", pub("EdDSA", func(k *jose.JSONWebKey) { k.Algorithm = "ES256" }), "", ErrInvalidKey},
		{"P-256 key claiming ES384", pub("ES256", func(k *jose.JSONWebKey) { k.Algorithm = "ES384" }), "", ErrInvalidKey},
		{"HS256", pub("EdDSA", func(k *jose.JSONWebKey) { k.Algorithm = "HS256" }), "", ErrInvalidKey},
		{"P-224", jose.JSONWebKey{Key: &p224.PublicKey}, "", ErrInvalidKey},
		{"RSA 1024", jose.JSONWebKey{Key: &small.PublicKey, Algorithm: "RS256"}, "", ErrInvalidKey},
		{"private key", *set["EdDSA"], "", ErrInvalidKey},
		{"use enc", pub("EdDSA", func(k *jose.JSONWebKey) { k.Use = "enc" }), "", ErrInvalidKey},
		{"kid too long", pub("EdDSA", func(k *jose.JSONWebKey) { k.KeyID = strings.Repeat("k", 129) }), "", ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(orgA, tt.jwk, time.Unix(0, 0))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Alg != tt.wantAlg || k.JWK.Algorithm != tt.wantAlg || k.KID == "" || k.Participant != orgA {
				t.Fatalf("key = %+v", k)
			}
		})
	}
}

func TestNewKeyThumbprintKID(t *testing.T) {
	jwk := testKeySet()["EdDSA"].Public()
	want := jwk.KeyID // privateJWK set the thumbprint
	jwk.KeyID = ""
	k, err := NewKey(orgA, jwk, time.Time{})
	if err != nil || k.KID != want {
		t.Fatalf("KID = %q, %v; want thumbprint %q", k.KID, err, want)
	}
}

func TestGenerateKey(t *testing.T) {
	for _, alg := range []string{"EdDSA", "ES256", "ES384"} {
		k, err := GenerateKey(alg)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if got, err := CheckSigningKey(k); err != nil || got != alg {
			t.Fatalf("%s: CheckSigningKey = %q, %v", alg, got, err)
		}
	}
	if _, err := GenerateKey("HS256"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("HS256: err = %v", err)
	}
}

func TestParseJWK(t *testing.T) {
	if _, err := ParseJWK([]byte(`{"kty":"oct","k":"AAAA"`)); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("err = %v", err)
	}
	data, _ := testKeySet()["ES256"].Public().MarshalJSON()
	k, err := ParseJWK(data)
	if err != nil || !k.IsPublic() {
		t.Fatalf("ParseJWK = %+v, %v", k, err)
	}
}
