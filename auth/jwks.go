package auth

import (
	"encoding/json"
	"fmt"
	"time"
)

// Members JAG adds to each JWK of a participant JWKS document (RFC 7517
// section 4 lets a JWK carry members a consumer does not understand).
const (
	jwkParticipant = "participant" // identity id of the owner
	jwkNotBefore   = "not_before"  // RFC 3339
	jwkRevokedAt   = "revoked_at"  // RFC 3339, absent while valid
)

// MarshalJWKS renders participant keys as a JWK Set document: each public
// JWK with kid, alg and use, plus the members participant, not_before and
// (for revoked keys) revoked_at, so an offline verifier knows whose key it
// is and since when it must be refused.
func MarshalJWKS(keys []Key) ([]byte, error) {
	out := struct {
		Keys []map[string]any `json:"keys"`
	}{Keys: make([]map[string]any, 0, len(keys))}
	for _, k := range keys {
		m, err := KeyDocument(k)
		if err != nil {
			return nil, err
		}
		out.Keys = append(out.Keys, m)
	}
	return json.Marshal(out)
}

// KeyDocument renders one key as MarshalJWKS does.
func KeyDocument(k Key) (map[string]any, error) {
	pub := k.JWK.Public()
	pub.KeyID, pub.Algorithm, pub.Use = k.KID, k.Alg, "sig"
	data, err := pub.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("marshal key %q: %w", k.KID, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("marshal key %q: %w", k.KID, err)
	}
	if k.Participant != "" {
		m[jwkParticipant] = k.Participant
	}
	if !k.NotBefore.IsZero() {
		m[jwkNotBefore] = k.NotBefore.UTC().Format(time.RFC3339Nano)
	}
	if k.RevokedAt != nil {
		m[jwkRevokedAt] = k.RevokedAt.UTC().Format(time.RFC3339Nano)
	}
	return m, nil
}

// ParseJWKS reads a JWK Set document (as MarshalJWKS writes it, or a plain
// one) into Keys. A key without a participant member is attributed to
// participant; keys are checked as NewKey does.
func ParseJWKS(data []byte, participant string) ([]Key, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: JWKS: %w", ErrInvalidKey, err)
	}
	keys := make([]Key, 0, len(doc.Keys))
	for i, raw := range doc.Keys {
		var extra struct {
			Participant string     `json:"participant"`
			NotBefore   *time.Time `json:"not_before"`
			RevokedAt   *time.Time `json:"revoked_at"`
		}
		if err := json.Unmarshal(raw, &extra); err != nil {
			return nil, fmt.Errorf("%w: JWKS key %d: %w", ErrInvalidKey, i, err)
		}
		jwk, err := ParseJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		owner := extra.Participant
		if owner == "" {
			owner = participant
		}
		var nb time.Time
		if extra.NotBefore != nil {
			nb = *extra.NotBefore
		}
		k, err := NewKey(owner, jwk, nb)
		if err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		k.RevokedAt = extra.RevokedAt
		keys = append(keys, k)
	}
	return keys, nil
}
