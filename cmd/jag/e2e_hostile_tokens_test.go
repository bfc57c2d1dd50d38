package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of the access-token rows of "Signatures and tokens"
// (RELIABILITY.md); the hand-made JWS builders are in
// e2e_hostile_signatures_test.go.

func TestHostileAccessTokens(t *testing.T) {
	t.Parallel()
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
	stranger, strangerJWK, strangerKID := unregisteredKey(t)

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
	objPayload, err := signedPayload([]byte(signedObj))
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
