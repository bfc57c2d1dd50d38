package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth/jcs"
)

// setSignature returns obj with the extension's signature member set to sig
// (any JSON value; nil removes it).
func setSignature(t testing.TB, obj []byte, sig any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(obj, &m); err != nil {
		t.Fatal(err)
	}
	ext := m["extensions"].(map[string]any)[ExtensionID].(map[string]any)
	if sig == nil {
		delete(ext, "signature")
	} else {
		ext["signature"] = sig
	}
	out, err := jcs.Canonicalize(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignVerifyObject(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			priv := testKeySet()[alg]
			key := registered(t, orgA, priv)
			signed := sign(t, testIndicator, priv, []string{orgA, orgB})
			v, err := VerifyObject(signed, []Key{key}, time.Now())
			if err != nil {
				t.Fatalf("VerifyObject: %v", err)
			}
			whole, _ := jcs.Transform(signed)
			if v.KID != key.KID || v.Alg != alg || v.Signer != orgA ||
				!slices.Equal(v.Recipients, []string{orgA, orgB}) || v.Digest != sha256.Sum256(whole) {
				t.Fatalf("Verified = %+v", v)
			}
			if !strings.HasPrefix(v.Signature, strings.SplitN(v.Signature, ".", 2)[0]+"..") {
				t.Fatalf("signature %q is not detached", v.Signature)
			}
			// Whitespace and member order do not matter; content does.
			var m map[string]any
			_ = json.Unmarshal(signed, &m)
			pretty, _ := json.MarshalIndent(m, "", "  ")
			if _, err := VerifyObject(pretty, []Key{key}, time.Now()); err != nil {
				t.Fatalf("re-encoded object: %v", err)
			}
			tampered := []byte(strings.Replace(string(signed), "free247downloads.com", "free247downloads.org", 1))
			if _, err := VerifyObject(tampered, []Key{key}, time.Now()); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("tampered object: err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestSignObjectRecipientsAbsent(t *testing.T) {
	priv := testKeySet()["EdDSA"]
	signed := sign(t, testIndicator, priv, nil)
	v, err := VerifyObject(signed, []Key{registered(t, orgA, priv)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v.Recipients != nil {
		t.Fatalf("Recipients = %v, want nil", v.Recipients)
	}
	// Re-signing replaces the old signature and keeps the object stable.
	again := sign(t, string(signed), priv, nil)
	if string(again) != string(signed) {
		t.Fatalf("EdDSA re-signing is not deterministic:\n%s\n%s", signed, again)
	}
}

// TestVerifyObjectHostile covers RELIABILITY.md "Signatures and tokens" for
// object signatures: every case must fail with the exact sentinel.
func TestVerifyObjectHostile(t *testing.T) {
	keys := testKeySet()
	ed := keys["EdDSA"]
	edPriv := ed.Key.(ed25519.PrivateKey)
	es := keys["ES256"]
	esPriv := es.Key.(*ecdsa.PrivateKey)
	edKey, esKey := registered(t, orgA, ed), registered(t, orgA, es)
	own := []Key{edKey, esKey}
	signed := sign(t, testIndicator, ed, nil)
	payload := payloadOf(t, signed)
	hdr := func(alg, kid string, extra string) string {
		return `{"alg":"` + alg + `","kid":"` + kid + `","typ":"stix+jws"` + extra + `}`
	}
	withSig := func(sig any) []byte { return setSignature(t, signed, sig) }
	edForged := func(header string) []byte { return withSig(detach(forge(t, header, payload, "EdDSA", edPriv))) }

	// An RSA key registered as PS256 and used with RS256.
	rsaPriv := keys["PS256"]
	psKey := registered(t, orgA, rsaPriv)
	rsForged := withSig(detach(forge(t, hdr("RS256", psKey.KID, ""), payload, "RS256", rsaPriv.Key)))

	spki, _ := x509.MarshalPKIXPublicKey(edPriv.Public())
	esSig := func(r, s *big.Int, n int) []byte {
		raw := append(r.FillBytes(make([]byte, n)), s.FillBytes(make([]byte, n))...)
		return withSig(b64.EncodeToString([]byte(hdr("ES256", esKey.KID, ""))) + ".." + b64.EncodeToString(raw))
	}
	h := sha256.Sum256([]byte(b64.EncodeToString([]byte(hdr("ES256", esKey.KID, ""))) + "." + b64.EncodeToString(payload)))
	r, s, _ := ecdsa.Sign(rand.Reader, esPriv, h[:])
	derSig := withSig(b64.EncodeToString([]byte(hdr("ES256", esKey.KID, ""))) + ".." + b64.EncodeToString(derSignature(r, s)))

	otherOrg := sign(t, strings.Replace(testIndicator, orgA, orgB, 1), ed, nil)

	tests := []struct {
		name string
		obj  []byte
		keys []Key
		want []error
	}{
		{"alg none", withSig(detach(forge(t, hdr("none", edKey.KID, ""), payload, "none", nil))), own, []error{ErrInvalidSignature, ErrAlgorithm}},
		{"HS256 keyed with the public key", withSig(detach(forge(t, hdr("HS256", edKey.KID, ""), payload, "HS256", spki))), own, []error{ErrInvalidSignature, ErrAlgorithm}},
		{"HS256 keyed with the raw public key", withSig(detach(forge(t, hdr("HS256", edKey.KID, ""), payload, "HS256", []byte(edPriv.Public().(ed25519.PublicKey))))), own, []error{ErrInvalidSignature, ErrAlgorithm}},
		{"algorithm other than the key's", edForged(hdr("ES256", edKey.KID, "")), own, []error{ErrInvalidSignature, ErrAlgorithm}},
		{"RS256 with a PS256 key", rsForged, []Key{psKey}, []error{ErrInvalidSignature, ErrAlgorithm}},
		{"kid missing from protected header", edForged(`{"alg":"EdDSA","typ":"stix+jws"}`), own, []error{ErrInvalidSignature, ErrHeader}},
		{"kid only in unprotected header (JSON serialisation)", withSig(map[string]any{
			"protected": b64.EncodeToString([]byte(`{"alg":"EdDSA","typ":"stix+jws"}`)),
			"header":    map[string]any{"kid": edKey.KID}, "signature": "AAAA"}), own, []error{ErrInvalidSignature}},
		{"jwk header", edForged(hdr("EdDSA", edKey.KID, `,"jwk":{"kty":"OKP","crv":"Ed25519","x":"`+b64.EncodeToString(edPriv.Public().(ed25519.PublicKey))+`"}`)), own, []error{ErrInvalidSignature, ErrHeader}},
		{"jku header", edForged(hdr("EdDSA", edKey.KID, `,"jku":"https://evil.example/jwks"`)), own, []error{ErrInvalidSignature, ErrHeader}},
		{"x5u header", edForged(hdr("EdDSA", edKey.KID, `,"x5u":"https://evil.example/cert"`)), own, []error{ErrInvalidSignature, ErrHeader}},
		{"x5c header", edForged(hdr("EdDSA", edKey.KID, `,"x5c":["MIIB"]`)), own, []error{ErrInvalidSignature, ErrHeader}},
		{"crit header", edForged(hdr("EdDSA", edKey.KID, `,"crit":["exp"],"exp":1`)), own, []error{ErrInvalidSignature, ErrHeader}},
		{"b64 false", withSig(detach(forge(t, hdr("EdDSA", edKey.KID, `,"b64":false,"crit":["b64"]`), payload, "EdDSA", edPriv))), own, []error{ErrInvalidSignature, ErrHeader}},
		{"duplicate header member", edForged(`{"alg":"EdDSA","kid":"` + edKey.KID + `","typ":"stix+jws","kid":"x"}`), own, []error{ErrInvalidSignature, ErrHeader}},
		{"wrong typ", edForged(`{"alg":"EdDSA","kid":"` + edKey.KID + `","typ":"JWT"}`), own, []error{ErrInvalidSignature, ErrHeader}},
		{"more than one signature", withSig(map[string]any{"payload": "", "signatures": []any{
			map[string]any{"protected": "e30", "signature": "AA"}, map[string]any{"protected": "e30", "signature": "AA"}}}), own, []error{ErrInvalidSignature}},
		{"attached payload", withSig(forge(t, hdr("EdDSA", edKey.KID, ""), payload, "EdDSA", edPriv)), own, []error{ErrInvalidSignature, ErrMalformed}},
		{"five parts (JWE)", withSig("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"), own, []error{ErrInvalidSignature, ErrMalformed}},
		{"padded base64", withSig(b64.EncodeToString([]byte(hdr("EdDSA", edKey.KID, ""))) + "==..AAAA"), own, []error{ErrInvalidSignature, ErrMalformed}},
		{"signature not a string", withSig(42.0), own, []error{ErrInvalidSignature}},
		{"unsigned", withSig(nil), own, []error{ErrInvalidSignature, ErrUnsigned}},
		{"no extension", []byte(testIndicator), own, []error{ErrInvalidSignature, ErrUnsigned}},
		{"valid signature by another participant's key", signed, []Key{registered(t, orgB, keys["ES256"])}, []error{ErrInvalidSignature, ErrKeyNotFound}},
		{"created_by_ref naming another org", otherOrg, own, []error{ErrSignerMismatch}},
		{"ES256 r=s=0", esSig(big.NewInt(0), big.NewInt(0), 32), own, []error{ErrInvalidSignature, ErrMalformed}},
		{"ES256 wrong length", esSig(r, s, 33), own, []error{ErrInvalidSignature, ErrMalformed}},
		{"ES256 DER", derSig, own, []error{ErrInvalidSignature, ErrMalformed}},
		{"signature over other content", withSig(detach(forge(t, hdr("EdDSA", edKey.KID, ""), []byte(`{}`), "EdDSA", edPriv))), own, []error{ErrInvalidSignature}},
		{"OK control: forged with the right header verifies", edForged(hdr("EdDSA", edKey.KID, "")), own, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyObject(tt.obj, tt.keys, time.Now())
			if tt.want == nil && err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if tt.want != nil && err == nil {
				t.Fatal("err = nil")
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			if errors.Is(err, ErrSignerMismatch) != slices.Contains(tt.want, ErrSignerMismatch) {
				t.Fatalf("err = %v: signer mismatch confused with invalid signature", err)
			}
		})
	}
}

func TestVerifyObjectKeyTime(t *testing.T) {
	priv := testKeySet()["EdDSA"]
	signed := sign(t, testIndicator, priv, nil)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	key := func(notBefore time.Time, revoked *time.Time) []Key {
		k := registered(t, orgA, priv)
		k.NotBefore, k.RevokedAt = notBefore, revoked
		return []Key{k}
	}
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	tests := []struct {
		name string
		keys []Key
		want error
	}{
		{"OK", key(now.Add(-time.Hour), nil), nil},
		{"OK revoked later", key(now.Add(-time.Hour), at(time.Second)), nil},
		{"ErrKeyRevoked", key(now.Add(-time.Hour), at(-time.Second)), ErrKeyRevoked},
		{"ErrKeyRevoked at the instant", key(now.Add(-time.Hour), at(0)), ErrKeyRevoked},
		{"ErrKeyNotYetValid", key(now.Add(time.Second), nil), ErrKeyNotYetValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyObject(signed, tt.keys, now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("err = %v, want %v and ErrInvalidSignature", err, tt.want)
			}
		})
	}
}
