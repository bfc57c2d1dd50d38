package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of the "Signatures and tokens" rows of RELIABILITY.md
// through the real `jag serve` binary and PostgreSQL: every hostile
// object signature and access token is answered with the exact status and
// problem code of API.md, and nothing is stored. The hostile JWS are built
// by hand from the standard library's primitives, so they can be what no
// JOSE library would produce.

var hostileB64 = base64.RawURLEncoding

// hostileSign signs input with the raw primitive of alg: EdDSA, ES256 or
// ES384 (raw r‖s), HS256 (key is the secret bytes), or none (no bytes).
func hostileSign(t testing.TB, alg string, key any, input []byte) []byte {
	t.Helper()
	ecdsaRaw := func(priv *ecdsa.PrivateKey, digest []byte, size int) []byte {
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			t.Fatal(err)
		}
		return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	}
	switch alg {
	case "EdDSA":
		return ed25519.Sign(key.(ed25519.PrivateKey), input)
	case "ES256":
		h := sha256.Sum256(input)
		return ecdsaRaw(key.(*ecdsa.PrivateKey), h[:], 32)
	case "ES384":
		h := sha512.Sum384(input)
		return ecdsaRaw(key.(*ecdsa.PrivateKey), h[:], 48)
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write(input)
		return m.Sum(nil)
	case "none":
		return nil
	}
	t.Fatalf("hostileSign: unknown primitive %s", alg)
	return nil
}

// hostileHeader encodes a JOSE header given as members.
func hostileHeader(t testing.TB, members map[string]any) string {
	t.Helper()
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	return hostileB64.EncodeToString(b)
}

// hostileCompact returns header.payload.signature with the signature made
// by the primitive alg over the JWS signing input.
func hostileCompact(t testing.TB, header map[string]any, payload []byte, alg string, key any) string {
	t.Helper()
	input := hostileHeader(t, header) + "." + hostileB64.EncodeToString(payload)
	return input + "." + hostileB64.EncodeToString(hostileSign(t, alg, key, []byte(input)))
}

// hostileDetach drops the payload of a compact JWS.
func hostileDetach(compact string) string {
	first, last := strings.IndexByte(compact, '.'), strings.LastIndexByte(compact, '.')
	return compact[:first+1] + compact[last:]
}

// hostileObject returns a fresh indicator created by createdBy whose
// signature member is what sig returns (any JSON value), given the JCS
// payload a signature must cover.
func hostileObject(w *world, createdBy string, sig func(payload []byte) any) string {
	w.t.Helper()
	signed := w.sign(createdBy, w.indicatorJSON(createdBy, "[domain-name:value = 'h"+w.uuid()[:8]+".example']", ""))
	payload, err := signedPayload([]byte(signed))
	if err != nil {
		w.t.Fatal(err)
	}
	var o struct {
		Extensions map[string]struct{ Signature string } `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(signed), &o); err != nil {
		w.t.Fatal(err)
	}
	old, _ := json.Marshal(o.Extensions[auth.ExtensionID].Signature)
	repl, err := json.Marshal(sig(payload))
	if err != nil {
		w.t.Fatal(err)
	}
	out := strings.Replace(signed, `"signature":`+string(old), `"signature":`+string(repl), 1)
	if out == signed && string(old) != string(repl) {
		w.t.Fatal("hostileObject: signature member not found")
	}
	return out
}

// registerKey registers a new alg key for org valid from notBefore and
// returns its private half.
func registerKey(t testing.TB, w *world, org, alg string, notBefore time.Time) *jose.JSONWebKey {
	t.Helper()
	priv, err := auth.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewKey(org, priv.Public(), notBefore)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.AddKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return priv
}

// selfSignedCert returns the DER of a self-signed certificate for key.
func selfSignedCert(t testing.TB, key ed25519.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestHostileObjectSignatures(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	A, B := e2eOrgA, e2eOrgB
	now := time.Now()

	edA := w.keys[A]
	edPriv := edA.Key.(ed25519.PrivateKey)
	edPub := edPriv.Public().(ed25519.PublicKey)
	edPubJWK, err := edA.Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	es := registerKey(t, w, A, "ES256", now.Add(-time.Hour))
	esPriv := es.Key.(*ecdsa.PrivateKey)
	esPubDER, err := x509.MarshalPKIXPublicKey(&esPriv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	esPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: esPubDER})
	revoked := registerKey(t, w, A, "EdDSA", now.Add(-time.Hour))
	if _, err := w.db.RevokeKey(context.Background(), revoked.KeyID, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	notYet := registerKey(t, w, A, "EdDSA", now.Add(time.Hour))
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attacker, attackerJWK, attackerKID := unregisteredKey(t)

	// Any request for a key URL named in a header fails the test: the
	// hub never fetches a URL from input.
	var fetched atomic.Int64
	keyHost := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		fetched.Add(1)
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"keys":[` + string(edPubJWK) + `]}`))
	}))
	defer keyHost.Close()

	// hdr is the exact protected header JAG accepts, plus extra members
	// (a nil value removes a member).
	hdr := func(alg, kid string, extra map[string]any) map[string]any {
		h := map[string]any{"alg": alg, "kid": kid, "typ": auth.ObjectType}
		for k, v := range extra {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	// detached signs payload under header with the primitive alg.
	detached := func(header map[string]any, alg string, key any) func([]byte) any {
		return func(payload []byte) any { return hostileDetach(hostileCompact(t, header, payload, alg, key)) }
	}
	// rawSig is a detached JWS under header whose signature bytes are
	// derived from a valid ES256 signature by mangle.
	rawSig := func(mangle func(sig []byte) []byte) func([]byte) any {
		return func(payload []byte) any {
			h := hostileHeader(t, hdr("ES256", es.KeyID, nil))
			sig := hostileSign(t, "ES256", esPriv, []byte(h+"."+hostileB64.EncodeToString(payload)))
			return h + ".." + hostileB64.EncodeToString(mangle(sig))
		}
	}
	toDER := func(sig []byte) []byte {
		enc := func(b []byte) []byte {
			n := new(big.Int).SetBytes(b).Bytes()
			if n[0]&0x80 != 0 {
				n = append([]byte{0}, n...)
			}
			return append([]byte{0x02, byte(len(n))}, n...)
		}
		body := append(enc(sig[:32]), enc(sig[32:])...)
		return append([]byte{0x30, byte(len(body))}, body...)
	}
	// flattened is the flattened JWS JSON serialisation of a valid EdDSA
	// signature whose kid sits in the unprotected header only.
	flattened := func(payload []byte) map[string]any {
		h := hostileHeader(t, hdr("EdDSA", "", map[string]any{"kid": nil}))
		sig := hostileSign(t, "EdDSA", edPriv, []byte(h+"."+hostileB64.EncodeToString(payload)))
		return map[string]any{"protected": h, "header": map[string]any{"kid": edA.KeyID}, "signature": hostileB64.EncodeToString(sig)}
	}
	jsonString := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	const (
		invalid  = "invalid_signature"
		mismatch = "signer_mismatch"
	)
	tests := []struct {
		name      string
		createdBy string
		sig       func(payload []byte) any
		status    int
		code      string
	}{
		// Controls: the hand-made signatures verify when nothing is wrong,
		// so each refusal below is caused by what the row changes.
		{"control EdDSA by hand", A, detached(hdr("EdDSA", edA.KeyID, nil), "EdDSA", edPriv), 201, ""},
		{"control ES256 raw r||s by hand", A, detached(hdr("ES256", es.KeyID, nil), "ES256", esPriv), 201, ""},

		{"alg none without signature", A, detached(hdr("none", edA.KeyID, nil), "none", nil), 400, invalid},
		{"alg none with signature bytes", A, func(p []byte) any {
			h := hostileHeader(t, hdr("none", edA.KeyID, nil))
			return h + ".." + hostileB64.EncodeToString(hostileSign(t, "EdDSA", edPriv, []byte(h+"."+hostileB64.EncodeToString(p))))
		}, 400, invalid},
		{"HS256 keyed with the raw Ed25519 public key", A, detached(hdr("HS256", edA.KeyID, nil), "HS256", []byte(edPub)), 400, invalid},
		{"HS256 keyed with the public JWK", A, detached(hdr("HS256", edA.KeyID, nil), "HS256", edPubJWK), 400, invalid},
		{"HS256 keyed with the ES256 public key PEM", A, detached(hdr("HS256", es.KeyID, nil), "HS256", esPubPEM), 400, invalid},
		{"ES256 header on the EdDSA key", A, detached(hdr("ES256", edA.KeyID, nil), "ES256", esPriv), 400, invalid},
		{"EdDSA header on the ES256 key", A, detached(hdr("EdDSA", es.KeyID, nil), "EdDSA", edPriv), 400, invalid},
		{"ES384 header on the ES256 key", A, detached(hdr("ES384", es.KeyID, nil), "ES384", p384), 400, invalid},

		{"kid missing from the protected header", A, detached(hdr("EdDSA", "", map[string]any{"kid": nil}), "EdDSA", edPriv), 400, invalid},
		{"flattened JWS JSON in the signature string, kid unprotected", A, func(p []byte) any { return jsonString(flattened(p)) }, 400, invalid},
		{"general JWS JSON in the signature string, kid unprotected", A, func(p []byte) any {
			f := flattened(p)
			return jsonString(map[string]any{"payload": "", "signatures": []any{f}})
		}, 400, invalid},
		{"flattened JWS as a JSON object, kid unprotected", A, func(p []byte) any { return flattened(p) }, 400, invalid},
		{"flattened JWS JSON, kid in both headers", A, func(p []byte) any {
			h := hostileHeader(t, hdr("EdDSA", edA.KeyID, nil))
			sig := hostileSign(t, "EdDSA", edPriv, []byte(h+"."+hostileB64.EncodeToString(p)))
			return jsonString(map[string]any{"protected": h, "header": map[string]any{"kid": edA.KeyID}, "signature": hostileB64.EncodeToString(sig)})
		}, 400, invalid},

		{"jwk header with the signer's own key", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"jwk": json.RawMessage(edPubJWK)}), "EdDSA", edPriv), 400, invalid},
		{"jwk header with an attacker key under the signer's kid", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"jwk": attackerJWK}), "EdDSA", attacker), 400, invalid},
		{"jwk header with an attacker key and its own kid", A, detached(hdr("EdDSA", attackerKID, map[string]any{"jwk": attackerJWK}), "EdDSA", attacker), 400, invalid},
		{"jku header", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"jku": keyHost.URL + "/jwks.json"}), "EdDSA", edPriv), 400, invalid},
		{"jku header with an attacker key", A, detached(hdr("EdDSA", attackerKID, map[string]any{"jku": keyHost.URL + "/jwks.json"}), "EdDSA", attacker), 400, invalid},
		{"x5u header", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"x5u": keyHost.URL + "/cert.pem"}), "EdDSA", edPriv), 400, invalid},
		{"x5c header", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(selfSignedCert(t, attacker))}}), "EdDSA", edPriv), 400, invalid},
		{"crit header", A, detached(hdr("EdDSA", edA.KeyID, map[string]any{"crit": []string{"exp"}, "exp": now.Unix()}), "EdDSA", edPriv), 400, invalid},
		{"b64 false over the unencoded payload", A, func(p []byte) any {
			h := hostileHeader(t, hdr("EdDSA", edA.KeyID, map[string]any{"b64": false, "crit": []string{"b64"}}))
			return h + ".." + hostileB64.EncodeToString(hostileSign(t, "EdDSA", edPriv, append([]byte(h+"."), p...)))
		}, 400, invalid},

		{"unknown kid", A, detached(hdr("EdDSA", attackerKID, nil), "EdDSA", attacker), 400, invalid},
		{"revoked key", A, detached(hdr("EdDSA", revoked.KeyID, nil), "EdDSA", revoked.Key), 400, invalid},
		{"key not yet valid", A, detached(hdr("EdDSA", notYet.KeyID, nil), "EdDSA", notYet.Key), 400, invalid},

		{"ES256 r=s=0", A, rawSig(func([]byte) []byte { return make([]byte, 64) }), 400, invalid},
		{"ES256 one byte short", A, rawSig(func(s []byte) []byte { return s[:63] }), 400, invalid},
		{"ES256 one byte long", A, rawSig(func(s []byte) []byte { return append(s, 0) }), 400, invalid},
		{"ES256 DER instead of raw r||s", A, rawSig(toDER), 400, invalid},

		{"JWE in the signature field", A, func([]byte) any {
			h := hostileHeader(t, map[string]any{"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": edA.KeyID, "typ": auth.ObjectType})
			return h + ".ZW5j.aXY.Y2lwaGVy.dGFn"
		}, 400, invalid},
		{"five parts with empty middles", A, func(p []byte) any {
			d := detached(hdr("EdDSA", edA.KeyID, nil), "EdDSA", edPriv)(p).(string)
			return strings.Replace(d, "..", "....", 1)
		}, 400, invalid},
		{"attached compact JWS", A, func(p []byte) any { return hostileCompact(t, hdr("EdDSA", edA.KeyID, nil), p, "EdDSA", edPriv) }, 400, invalid},

		{"valid signature by another participant's key", B, detached(hdr("EdDSA", w.keys[B].KeyID, nil), "EdDSA", w.keys[B].Key), 403, mismatch},
		{"another participant's key on an object of the submitter", A, func(p []byte) any {
			return detached(hdr("EdDSA", w.keys[B].KeyID, nil), "EdDSA", w.keys[B].Key)(p)
		}, 403, mismatch},
		{"created_by_ref names another org", B, detached(hdr("EdDSA", edA.KeyID, nil), "EdDSA", edPriv), 403, mismatch},
	}

	// Every refusal is the same on every replica.
	replicas := startReplicas(t, 2, w.dbURL)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := hostileObject(w, tc.createdBy, tc.sig)
			var id struct{ ID string }
			if err := json.Unmarshal([]byte(obj), &id); err != nil {
				t.Fatal(err)
			}
			body := []byte(w.bundle(obj))
			for i, p := range replicas {
				if tc.status == 201 && i > 0 {
					break // a retry elsewhere would be a 200 duplicate
				}
				before := w.counts()
				a := w.post(p.URL, "a", stixContentType, body)
				after := w.counts()
				if a.Status != tc.status {
					t.Fatalf("replica %d: status %d, want %d: %.600s", i, a.Status, tc.status, a.Raw)
				}
				if tc.status == 201 {
					if after.objects != before.objects+1 || after.submissions != before.submissions+1 {
						t.Fatalf("rows %+v after %+v, want one more object and submission", after, before)
					}
					continue
				}
				if a.code() != tc.code {
					t.Fatalf("replica %d: code %q, want %q: %.600s", i, a.code(), tc.code, a.Raw)
				}
				pointer := "/objects/0/extensions/" + auth.ExtensionID + "/signature"
				if tc.code == mismatch {
					pointer = "/objects/0/created_by_ref"
				}
				items := a.items()
				if len(items) != 1 || items[0]["object"] != id.ID || items[0]["pointer"] != pointer {
					t.Fatalf("replica %d: errors %v, want one entry for %s at %s", i, items, id.ID, pointer)
				}
				if after != before {
					t.Fatalf("replica %d: rows changed from %+v to %+v by a refused submission", i, before, after)
				}
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("the hub fetched a key URL named in a header %d time(s)", n)
	}
}

// unregisteredKey is an Ed25519 key known to nobody: its private half,
// public JWK and RFC 7638 thumbprint.
func unregisteredKey(t *testing.T) (ed25519.PrivateKey, jose.JSONWebKey, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: "EdDSA"}
	kid, err := auth.Thumbprint(&pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub, kid
}
