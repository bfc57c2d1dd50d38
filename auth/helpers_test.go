package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth/jcs"
)

const (
	orgA = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	orgB = "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
)

// testIndicator is a typical indicator of about 1 KiB once signed.
const testIndicator = `{
  "type": "indicator", "spec_version": "2.1",
  "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
  "created_by_ref": "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
  "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z",
  "name": "Pegasus infrastructure domain",
  "description": "Domain used by NSO Group's Pegasus spyware for exploitation and command and control, observed in forensic traces.",
  "indicator_types": ["malicious-activity", "attribution"],
  "pattern": "[domain-name:value = 'free247downloads.com']",
  "pattern_type": "stix", "valid_from": "2024-03-01T10:00:00Z",
  "labels": ["pegasus", "spyware"], "confidence": 85,
  "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
}`

// testKeySet holds one private key per algorithm; generating RSA keys is
// slow, so the set is made once per test binary.
var testKeySet = sync.OnceValue(func() map[string]*jose.JSONWebKey {
	set := map[string]*jose.JSONWebKey{}
	for _, alg := range Algorithms {
		var priv any
		var err error
		switch alg {
		case "EdDSA":
			_, priv, err = ed25519.GenerateKey(rand.Reader)
		case "PS256", "RS256":
			priv, err = rsa.GenerateKey(rand.Reader, 2048)
		default:
			var k *jose.JSONWebKey
			k, err = GenerateKey(alg)
			if err == nil {
				priv = k.Key
			}
		}
		if err != nil {
			panic(err)
		}
		jwk, err := privateJWK(priv, alg)
		if err != nil {
			panic(err)
		}
		set[alg] = jwk
	}
	return set
})

// registered returns the public Key of priv registered to participant.
func registered(t testing.TB, participant string, priv *jose.JSONWebKey) Key {
	t.Helper()
	k, err := NewKey(participant, priv.Public(), time.Unix(0, 0))
	if err != nil {
		t.Fatalf("NewKey: %v", err)
	}
	return k
}

func sign(t testing.TB, raw string, key *jose.JSONWebKey, recipients []string) []byte {
	t.Helper()
	out, err := SignObject([]byte(raw), key, recipients)
	if err != nil {
		t.Fatalf("SignObject: %v", err)
	}
	return out
}

// payloadOf returns what a signature over obj covers, computed apart from
// the code under test: decoded with encoding/json, the signature member
// deleted, canonicalised from the map.
func payloadOf(t testing.TB, obj []byte) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	exts, _ := m["extensions"].(map[string]any)
	ext, _ := exts[ExtensionID].(map[string]any)
	delete(ext, "signature")
	p, err := jcs.Canonicalize(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var b64 = base64.RawURLEncoding

// forge signs payload under an arbitrary protected header with the raw
// primitives, so tests can build what go-jose would refuse to produce.
// alg selects the primitive: EdDSA, ES256 (raw r||s), RS256, HS256 (key is
// the secret bytes).
func forge(t testing.TB, header string, payload []byte, alg string, key any) (compact string) {
	t.Helper()
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	var sig []byte
	switch alg {
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	case "ES256":
		h := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), h[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	case "RS256":
		h := sha256.Sum256([]byte(input))
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:]); err != nil {
			t.Fatal(err)
		}
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case "none":
	default:
		t.Fatalf("forge: unknown alg %s", alg)
	}
	return input + "." + b64.EncodeToString(sig)
}

// detach turns a compact JWS into its detached form.
func detach(compact string) string {
	var dots []int
	for i := range len(compact) {
		if compact[i] == '.' {
			dots = append(dots, i)
		}
	}
	return compact[:dots[0]+1] + compact[dots[len(dots)-1]:]
}

// derSignature encodes r and s as ASN.1 DER, the form JWS forbids.
func derSignature(r, s *big.Int) []byte {
	enc := func(n *big.Int) []byte {
		b := n.Bytes()
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(enc(r), enc(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}
