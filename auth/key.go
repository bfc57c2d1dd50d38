package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms are the JWS algorithms a key may have (API.md section 1).
var Algorithms = []string{"EdDSA", "ES256", "ES384", "PS256", "RS256"}

// MinRSABits is the smallest RSA modulus a key may have.
const MinRSABits = 2048

// MaxKIDLength is the longest key id the registry accepts.
const MaxKIDLength = 128

// Key is a participant's registered public key.
type Key struct {
	KID         string
	Participant string // identity id of the owner
	Alg         string // the key's one algorithm, from Algorithms
	JWK         jose.JSONWebKey
	NotBefore   time.Time
	RevokedAt   *time.Time // nil while the key is valid
}

// ValidAt reports why k may not be used at time at, or nil when it may.
func (k *Key) ValidAt(at time.Time) error {
	if at.Before(k.NotBefore) {
		return fmt.Errorf("key %q: %w", k.KID, ErrKeyNotYetValid)
	}
	if k.RevokedAt != nil && !at.Before(*k.RevokedAt) {
		return fmt.Errorf("key %q: %w", k.KID, ErrKeyRevoked)
	}
	return nil
}

// NewKey checks a participant's public JWK and returns it as a Key valid
// from notBefore. The algorithm is the JWK's "alg" member; when absent it is
// inferred for Ed25519 (EdDSA), P-256 (ES256) and P-384 (ES384), while RSA
// keys must name RS256 or PS256. The kid is the JWK's "kid" or, when absent,
// its RFC 7638 thumbprint.
func NewKey(participant string, jwk jose.JSONWebKey, notBefore time.Time) (Key, error) {
	if !jwk.IsPublic() {
		return Key{}, fmt.Errorf("%w: private key material where a public key is expected", ErrInvalidKey)
	}
	alg, err := keyAlgorithm(&jwk)
	if err != nil {
		return Key{}, err
	}
	jwk.Algorithm = alg
	if jwk.Use != "" && jwk.Use != "sig" {
		return Key{}, fmt.Errorf("%w: use %q is not \"sig\"", ErrInvalidKey, jwk.Use)
	}
	if jwk.KeyID == "" {
		if jwk.KeyID, err = Thumbprint(&jwk); err != nil {
			return Key{}, err
		}
	}
	if len(jwk.KeyID) > MaxKIDLength {
		return Key{}, fmt.Errorf("%w: kid longer than %d characters", ErrInvalidKey, MaxKIDLength)
	}
	if !storableText(jwk.KeyID) {
		return Key{}, fmt.Errorf("%w: kid must be text without NUL", ErrInvalidKey)
	}
	return Key{KID: jwk.KeyID, Participant: participant, Alg: alg, JWK: jwk, NotBefore: notBefore}, nil
}

// ParseJWK decodes one JSON Web Key.
func ParseJWK(data []byte) (jose.JSONWebKey, error) {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(data); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return k, nil
}

// keyAlgorithm returns the one algorithm of a public or private JWK after
// checking the key type fits it.
func keyAlgorithm(jwk *jose.JSONWebKey) (string, error) {
	alg := jwk.Algorithm
	var fits bool
	switch k := publicKey(jwk.Key).(type) {
	case ed25519.PublicKey:
		if alg == "" {
			alg = "EdDSA"
		}
		fits = alg == "EdDSA" && len(k) == ed25519.PublicKeySize
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			if alg == "" {
				alg = "ES256"
			}
			fits = alg == "ES256"
		case elliptic.P384():
			if alg == "" {
				alg = "ES384"
			}
			fits = alg == "ES384"
		}
	case *rsa.PublicKey:
		if alg == "" {
			return "", fmt.Errorf("%w: an RSA key must name its algorithm (RS256 or PS256)", ErrInvalidKey)
		}
		if k.N.BitLen() < MinRSABits {
			return "", fmt.Errorf("%w: RSA key of %d bits (minimum %d)", ErrInvalidKey, k.N.BitLen(), MinRSABits)
		}
		fits = alg == "RS256" || alg == "PS256"
	default:
		return "", fmt.Errorf("%w: unsupported key type %T", ErrInvalidKey, jwk.Key)
	}
	if !fits || !slices.Contains(Algorithms, alg) {
		return "", fmt.Errorf("%w: algorithm %q does not fit the key", ErrInvalidKey, alg)
	}
	return alg, nil
}

// publicKey returns the public half of a private key, or k itself.
func publicKey(k any) any {
	switch p := k.(type) {
	case ed25519.PrivateKey:
		return p.Public()
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case *rsa.PrivateKey:
		return &p.PublicKey
	}
	return k
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of jwk, base64url.
func Thumbprint(jwk *jose.JSONWebKey) (string, error) {
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("%w: thumbprint: %w", ErrInvalidKey, err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// GenerateKey makes a private signing key for alg (one of Algorithms) with
// KeyID set to its thumbprint, Algorithm to alg and Use to "sig".
func GenerateKey(alg string) (*jose.JSONWebKey, error) {
	var priv any
	var err error
	switch alg {
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "PS256", "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	default:
		return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrInvalidKey, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	return privateJWK(priv, alg)
}

// privateJWK wraps a private key as a JWK with its thumbprint as kid.
func privateJWK(priv any, alg string) (*jose.JSONWebKey, error) {
	jwk := &jose.JSONWebKey{Key: priv, Algorithm: alg, Use: "sig"}
	kid, err := Thumbprint(jwk)
	if err != nil {
		return nil, err
	}
	jwk.KeyID = kid
	return jwk, nil
}

// CheckSigningKey verifies that jwk is a private key with KeyID set and an
// algorithm that fits it, and returns that algorithm.
func CheckSigningKey(jwk *jose.JSONWebKey) (string, error) {
	if jwk == nil || jwk.IsPublic() {
		return "", fmt.Errorf("%w: a private key is required to sign", ErrInvalidKey)
	}
	if jwk.KeyID == "" {
		return "", fmt.Errorf("%w: signing key has no kid", ErrInvalidKey)
	}
	return keyAlgorithm(jwk)
}
