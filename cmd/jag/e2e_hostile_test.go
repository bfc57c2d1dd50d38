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
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
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
	payload, err := jcs.TransformWithout([]byte(signed), "extensions", auth.ExtensionID, "signature")
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
	_, attacker, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attackerJWK := jose.JSONWebKey{Key: attacker.Public(), Algorithm: "EdDSA"}
	attackerKID, err := auth.Thumbprint(&attackerJWK)
	if err != nil {
		t.Fatal(err)
	}

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

func TestHostileAccessTokens(t *testing.T) {
	const iss, aud = "jag-hostile-issuer", "jag-hostile-audience"
	w := newIngestWorld(t, pgtest.URL(t))
	A := e2eOrgA
	hubKey, err := auth.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	keyJSON, err := hubKey.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "hub.jwk")
	if err := os.WriteFile(keyFile, keyJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, w.dbURL, "--hub-key-file", keyFile, "--token-issuer", iss, "--token-audience", aud,
		"--token-leeway", "30s", "--token-max-lifetime", "24h")

	hubPriv := hubKey.Key.(ed25519.PrivateKey)
	hubPub := hubPriv.Public().(ed25519.PublicKey)
	hubPubJWK, err := hubKey.Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	strangerJWK := jose.JSONWebKey{Key: stranger.Public(), Algorithm: "EdDSA"}
	strangerKID, err := auth.Thumbprint(&strangerJWK)
	if err != nil {
		t.Fatal(err)
	}

	// forge returns a token signed by the primitive alg with key after mod
	// has changed the header and claims of a valid token of org A.
	forge := func(alg string, key any, mod func(h, c map[string]any)) string {
		now := time.Now().Unix()
		jti := make([]byte, 16)
		_, _ = rand.Read(jti)
		h := map[string]any{"alg": "EdDSA", "kid": hubKey.KeyID, "typ": auth.TokenType}
		c := map[string]any{
			"iss": iss, "aud": aud, "sub": A, "org": A, "tier": auth.TierMember, "scope": "submit read",
			"iat": now, "nbf": now, "exp": now + 3600, "jti": hostileB64.EncodeToString(jti),
		}
		if mod != nil {
			mod(h, c)
		}
		payload, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return hostileCompact(t, h, payload, alg, key)
	}
	hub := func(mod func(h, c map[string]any)) string { return forge("EdDSA", hubPriv, mod) }
	set := func(kv ...any) func(h, c map[string]any) {
		return func(_, c map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(c, kv[i].(string))
				} else {
					c[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	setHeader := func(kv ...any) func(h, c map[string]any) {
		return func(h, _ map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(h, kv[i].(string))
				} else {
					h[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	now := time.Now().Unix()

	// A receipt: a valid JWS by the hub's own key, not a token.
	good := hub(nil)
	first := hubDo(t, http.MethodPost, p.URL+"/v1/bundles", good, stixContentType, w.bundle(w.signedIndicator(A, "receipt.example")))
	receipt, _ := first.Body["receipt"].(string)
	if first.Status != 201 || receipt == "" {
		t.Fatalf("setup submission with a hand-made token: %d %s", first.Status, first.Raw)
	}
	// A signed STIX object, re-attached to its payload: a valid compact
	// JWS by a registered participant key.
	signedObj := w.signedIndicator(A, "object-token.example")
	var o struct {
		Extensions map[string]struct{ Signature string } `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(signedObj), &o); err != nil {
		t.Fatal(err)
	}
	objPayload, err := jcs.TransformWithout([]byte(signedObj), "extensions", auth.ExtensionID, "signature")
	if err != nil {
		t.Fatal(err)
	}
	objHead, objSig, _ := strings.Cut(o.Extensions[auth.ExtensionID].Signature, "..")
	objectToken := objHead + "." + hostileB64.EncodeToString(objPayload) + "." + objSig
	// A revoked jti.
	revokedJTI := "revoked-" + w.uuid()
	if err := w.db.RevokeToken(context.Background(), revokedJTI, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
		ok    bool // a control: the token is accepted
	}{
		{"control: hand-made token", hub(nil), true},
		{"control: expired within the leeway", hub(set("iat", now-3600, "nbf", now-3600, "exp", now-10)), true},
		{"control: typ application/at+jwt", hub(setHeader("typ", "application/at+jwt")), true},

		{"no exp", hub(set("exp", nil)), false},
		{"no jti", hub(set("jti", nil)), false},
		{"expired beyond the leeway", hub(set("iat", now-3600, "nbf", now-3600, "exp", now-120)), false},
		{"not yet valid beyond the leeway", hub(set("nbf", now+120, "iat", now+120, "exp", now+3600)), false},
		{"lifetime over the maximum", hub(set("exp", now+25*3600)), false},
		{"wrong aud", hub(set("aud", auth.DefaultAudience)), false},
		{"wrong aud list", hub(set("aud", []string{"other", "another"})), false},
		{"no aud", hub(set("aud", nil)), false},
		{"wrong iss", hub(set("iss", auth.DefaultIssuer)), false},
		{"no iss", hub(set("iss", nil)), false},
		{"unknown tier", hub(set("tier", "root")), false},
		{"typ JWT", hub(setHeader("typ", "JWT")), false},
		{"no typ", hub(setHeader("typ", nil)), false},
		{"typ of a receipt", hub(setHeader("typ", auth.ReceiptType)), false},
		{"revoked jti", hub(set("jti", revokedJTI)), false},
		{"receipt used as a token", receipt, false},
		{"signed STIX object used as a token", objectToken, false},
		{"participant key signing a token", forge("EdDSA", w.keys[A].Key, setHeader("kid", w.keys[A].KeyID)), false},
		{"JWE", hostileHeader(t, map[string]any{"alg": "dir", "enc": "A256GCM", "kid": hubKey.KeyID, "typ": auth.TokenType}) + "..aXY.Y2lwaGVy.dGFn", false},
		{"five parts", good + ".e30.e30", false},
		{"detached token", hostileDetach(good), false},
		{"alg none without signature", forge("none", nil, setHeader("alg", "none")), false},
		{"alg none with signature bytes", strings.TrimSuffix(forge("none", nil, setHeader("alg", "none")), ".") + "." + strings.Split(good, ".")[2], false},
		{"HS256 keyed with the hub's raw public key", forge("HS256", []byte(hubPub), setHeader("alg", "HS256")), false},
		{"HS256 keyed with the hub's public JWK", forge("HS256", hubPubJWK, setHeader("alg", "HS256")), false},
		{"unknown key", forge("EdDSA", stranger, setHeader("kid", strangerKID)), false},
		{"unknown key under the hub's kid", forge("EdDSA", stranger, nil), false},
		{"jwk header with an unknown key", forge("EdDSA", stranger, setHeader("jwk", strangerJWK)), false},
		{"jku header", hub(setHeader("jku", p.URL+"/.well-known/jwks.json")), false},
		{"crit header", hub(setHeader("crit", []string{"exp"}, "exp", now+3600)), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			get := hubGet(t, p.URL+"/v1/objects", tc.token)
			before := w.counts()
			post := hubDo(t, http.MethodPost, p.URL+"/v1/bundles", tc.token, stixContentType, w.bundle(w.signedIndicator(A, "t"+w.uuid()[:8]+".example")))
			after := w.counts()
			if tc.ok {
				if get.Status != 200 || post.Status != 201 {
					t.Fatalf("control refused: GET %d %s; POST %d %s", get.Status, get.Raw, post.Status, post.Raw)
				}
				return
			}
			for _, a := range []answer{get, post} {
				if a.Status != 401 || a.code() != "unauthorized" {
					t.Fatalf("status %d code %q, want 401 unauthorized: %.400s", a.Status, a.code(), a.Raw)
				}
			}
			if after != before {
				t.Fatalf("rows changed from %+v to %+v", before, after)
			}
		})
	}

	t.Run("token in the query string", func(t *testing.T) {
		var tokens []string
		for _, tc := range []struct {
			method, path, param string
			header              bool // also send the token as a bearer header
		}{
			{http.MethodGet, "/v1/objects", "access_token", false},
			{http.MethodGet, "/v1/objects", "token", true},
			{http.MethodGet, "/v1/feed", "access_token", false},
			{http.MethodGet, "/v1/lookup?value=receipt.example&", "jwt", false},
			{http.MethodPost, "/v1/bundles", "access_token", false},
			{http.MethodPost, "/v1/bundles", "bearer", true},
		} {
			tok := hub(nil)
			tokens = append(tokens, tok)
			sep := "?"
			if strings.Contains(tc.path, "?") {
				sep = ""
			}
			header := ""
			if tc.header {
				header = tok
			}
			body := ""
			if tc.method == http.MethodPost {
				body = w.bundle(w.signedIndicator(A, "q"+w.uuid()[:8]+".example"))
			}
			before := w.counts()
			a := hubDo(t, tc.method, p.URL+tc.path+sep+tc.param+"="+tok, header, stixContentType, body)
			if a.Status != 401 || a.code() != "unauthorized" {
				t.Fatalf("%s %s with ?%s=: %d %q, want 401 unauthorized: %s", tc.method, tc.path, tc.param, a.Status, a.code(), a.Raw)
			}
			if after := w.counts(); after != before {
				t.Fatalf("rows changed from %+v to %+v", before, after)
			}
			// The same token in the header is accepted: the query alone
			// caused the refusal.
			if ok := hubGet(t, p.URL+"/v1/objects", tok); ok.Status != 200 {
				t.Fatalf("the token itself is refused: %d %s", ok.Status, ok.Raw)
			}
		}
		// Wait until the access line of a last, marked request is in the
		// log, so every earlier line is there too.
		marker := "/v1/objects/indicator--" + w.uuid()
		hubGet(t, p.URL+marker, good)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.Logs(), marker) {
			if time.Now().After(deadline) {
				t.Fatalf("the access log never showed %s:\n%s", marker, p.Logs())
			}
			time.Sleep(20 * time.Millisecond)
		}
		logs := p.Logs()
		for _, tc := range tests {
			tokens = append(tokens, tc.token)
		}
		for _, tok := range append(tokens, good) {
			// The signature part alone identifies a token too (short
			// made-up parts could occur by chance and are not searched).
			sig := tok[strings.LastIndexByte(tok, '.')+1:]
			if strings.Contains(logs, tok) || (len(sig) >= 40 && strings.Contains(logs, sig)) {
				t.Fatalf("the log contains the token %s:\n%s", tok, logs)
			}
		}
	})
}
