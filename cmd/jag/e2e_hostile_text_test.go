package main

import (
	"crypto/ed25519"
	"encoding/base64"
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

// TestHostileTextParameters sends query parameters and path ids that
// PostgreSQL cannot hold as text (invalid UTF-8, NUL): each is a client
// error with its documented code, never a 500 from the database.
func TestHostileTextParameters(t *testing.T) {
	t.Parallel()
	w := newWorld(t, pgtest.URL(t), e2eOrgA)
	p := startServe(t, w.dbURL)
	read := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead, auth.ScopeSubmit)
	admin := w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin)
	nulCursor := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"indicator--\u0000","m":"x"}`))
	tests := []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"search q invalid utf-8", http.MethodGet, "/v1/objects?q=%FF", read, "", 400, "bad_request"},
		{"search q nul", http.MethodGet, "/v1/objects?q=a%00b", read, "", 400, "bad_request"},
		{"search label invalid utf-8", http.MethodGet, "/v1/objects?label=%C3%28", read, "", 400, "bad_request"},
		{"search type nul", http.MethodGet, "/v1/objects?type=indicator%00", read, "", 400, "bad_request"},
		{"search created_by invalid utf-8", http.MethodGet, "/v1/objects?created_by=%FF", read, "", 400, "bad_request"},
		{"search cursor nul", http.MethodGet, "/v1/objects?next=" + nulCursor, read, "", 400, "bad_request"},
		{"search observable invalid utf-8", http.MethodGet, "/v1/objects?observable=http://a.example/%FF", read, "", 400, "bad_request"},
		{"lookup url invalid utf-8", http.MethodGet, "/v1/lookup?value=http://a.example/%FF", read, "", 400, "bad_request"},
		{"submission id invalid utf-8", http.MethodGet, "/v1/submissions/%FF", read, "", 404, "not_found"},
		{"submission id nul", http.MethodGet, "/v1/submissions/a%00", read, "", 404, "not_found"},
		{"participant jwks invalid utf-8", http.MethodGet, "/v1/participants/%FF/jwks", read, "", 404, "not_found"},
		{"revoke key invalid utf-8", http.MethodPost, "/v1/admin/keys/%FF/revoke", admin, "", 404, "not_found"},
		{"add key participant invalid utf-8", http.MethodPost, "/v1/admin/participants/%FF/keys", admin, `{}`, 404, "not_found"},
		{"revoke token jti nul", http.MethodPost, "/v1/admin/tokens/revoke", admin, `{"jti":"a\u0000"}`, 400, "bad_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := hubDo(t, tc.method, p.URL+tc.path, tc.token, "application/json", tc.body)
			if a.Status != tc.status || a.code() != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, a.Status, a.Raw, tc.status, tc.code)
			}
		})
	}
}

// TestHostileTextEveryParameter sends NUL (PostgreSQL text cannot hold
// it) in every client-supplied text that reaches a query of hub/postgres,
// through every channel that carries it: each is a 4xx, never a 500 from
// the database. The cases follow the store methods and their parameters:
//
//	KeyByKID(kid)                  signature header kid (object signatures)
//	ParticipantKeys(org)           token org (ingest, verification)
//	TokenRevoked(jti)              token jti (every authenticated request)
//	RevokeToken(jti)               POST /v1/admin/tokens/revoke jti and token
//	RevokeKey(kid)                 POST /v1/admin/keys/{kid}/revoke
//	AddKey(participant, kid, jwk)  POST /v1/admin/participants/{id}/keys
//	CreateParticipant(...)         POST /v1/admin/participants id, name, country, sector
//	Participant(id)                GET /v1/participants/{id}/jwks, token issue org
//	Submission(org, id)            GET /v1/submissions/{id}
//	Object/ObjectVersions/Provenance(viewer, id, modified)  GET /v1/objects/{id}[/provenance]?version=
//	SearchObjects(viewer, filter)  GET /v1/objects parameters and cursor
//	Lookup(viewer, probes)         GET and POST /v1/lookup values
//	StoreSubmission(...)           every string of a bundle (STIX validation)
//	jag_visible(org, tier)         the viewer of every read (token org, tier)
//
// The token of each request is signed by the hub's key, so claims the
// hub would never issue (a NUL in org, sub or jti) reach the verifier.
func TestHostileTextEveryParameter(t *testing.T) {
	t.Parallel()
	const iss, aud = "jag-nul-issuer", "jag-nul-audience"
	w := newWorld(t, pgtest.URL(t), e2eOrgA)
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
	p := startServe(t, w.dbURL, "--hub-key-file", keyFile, "--token-issuer", iss, "--token-audience", aud)
	hubPriv := hubKey.Key.(ed25519.PrivateKey)

	// token is a token signed by the hub's key with claims changed by kv
	// (and header members by hdr).
	token := func(hdr map[string]any, kv ...any) string {
		now := time.Now().Unix()
		h := map[string]any{"alg": "EdDSA", "kid": hubKey.KeyID, "typ": auth.TokenType}
		for k, v := range hdr {
			h[k] = v
		}
		c := map[string]any{"iss": iss, "aud": aud, "sub": A, "org": A, "tier": auth.TierMember,
			"scope": "submit read admin", "iat": now, "nbf": now, "exp": now + 3600, "jti": "nul-" + w.uuid()}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		payload, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return hostileCompact(t, h, payload, "EdDSA", hubPriv)
	}
	good := token(nil)
	edPriv := w.keys[A].Key.(ed25519.PrivateKey)
	nulKID := hostileObject(w, A, func(payload []byte) any {
		h := map[string]any{"alg": "EdDSA", "kid": w.keys[A].KeyID + "\x00", "typ": auth.ObjectType}
		return hostileDetach(hostileCompact(t, h, payload, "EdDSA", edPriv))
	})
	pubJWK, err := w.keys[A].Public().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var jwk map[string]any
	if err := json.Unmarshal(pubJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	jwk["kid"] = "new-key\x00"
	nulKeyJWK, err := json.Marshal(jwk)
	if err != nil {
		t.Fatal(err)
	}
	nulJTIToken := token(nil, "jti", "x\x00")
	fresh := w.id("identity")
	ind := w.id("indicator")
	if a := w.postWith(p.URL, good, w.bundle(w.sign(A, indicatorOf(A, ind, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'nul.example']", "")))); a.Status != 201 {
		t.Fatalf("setup submission: %d %s", a.Status, a.Raw)
	}
	nulString := w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'nul2.example']", `,"name":"a\u0000b"`))

	tests := []struct {
		name, method, path, token, contentType, body string
		status                                       int
		code                                         string
	}{
		// Tokens (TokenRevoked, ParticipantKeys, jag_visible).
		{"control: forged token is accepted", "GET", "/v1/objects/" + ind, good, "", "", 200, ""},
		{"token jti nul", "GET", "/v1/objects/" + ind, nulJTIToken, "", "", 401, "unauthorized"},
		{"token org nul", "GET", "/v1/objects/" + ind, token(nil, "org", A+"\x00"), "", "", 401, "unauthorized"},
		{"token sub nul", "GET", "/v1/objects/" + ind, token(nil, "sub", "s\x00"), "", "", 401, "unauthorized"},
		{"token header kid nul", "GET", "/v1/objects/" + ind, token(map[string]any{"kid": hubKey.KeyID + "\x00"}), "", "", 401, "unauthorized"},
		{"submit with token org nul", "POST", "/v1/bundles", token(nil, "org", A+"\x00"), stixContentType, w.bundle(w.signedIndicator(A, "t.example")), 401, "unauthorized"},
		// Object signatures (KeyByKID) and bundle strings (StoreSubmission).
		{"signature kid nul", "POST", "/v1/bundles", good, stixContentType, w.bundle(nulKID), 400, "invalid_signature"},
		{"bundle string nul", "POST", "/v1/bundles", good, stixContentType, w.bundle(nulString), 422, "invalid_object"},
		{"bundle id nul", "POST", "/v1/bundles", good, stixContentType, `{"type":"bundle","id":"bundle--\u0000","objects":[` + w.signedIndicator(A, "b.example") + `]}`, 422, "invalid_object"},
		// Reads by id and version (Object, ObjectVersions, Provenance, Submission).
		{"object id nul", "GET", "/v1/objects/" + ind + "%00", good, "", "", 400, "bad_request"},
		{"object version nul", "GET", "/v1/objects/" + ind + "?version=a%00", good, "", "", 400, "bad_request"},
		{"object versions id nul", "GET", "/v1/objects/a%00?version=all", good, "", "", 400, "bad_request"},
		{"provenance id nul", "GET", "/v1/objects/a%00/provenance", good, "", "", 400, "bad_request"},
		{"provenance version nul", "GET", "/v1/objects/" + ind + "/provenance?version=a%00", good, "", "", 400, "bad_request"},
		{"submission id nul", "GET", "/v1/submissions/submission--%00", good, "", "", 404, "not_found"},
		// Search (SearchObjects) and lookups (Lookup).
		{"search text nul", "GET", "/v1/objects?q=%00", good, "", "", 400, "bad_request"},
		{"search label nul", "GET", "/v1/objects?label=%00", good, "", "", 400, "bad_request"},
		{"search created_by nul", "GET", "/v1/objects?created_by=identity--%00", good, "", "", 400, "bad_request"},
		{"search observable nul", "GET", "/v1/objects?observable=a%00.example", good, "", "", 400, "bad_request"},
		{"search time nul", "GET", "/v1/objects?added_after=2026-01-01T00:00:00Z%00", good, "", "", 400, "bad_request"},
		{"lookup value nul", "GET", "/v1/lookup?value=a%00.example", good, "", "", 400, "bad_request"},
		// Registry (CreateParticipant, Participant, AddKey, RevokeKey, RevokeToken).
		{"participant name nul", "POST", "/v1/admin/participants", good, "application/json", `{"id":"` + fresh + `","name":"CERT\u0000"}`, 400, "bad_request"},
		{"participant id nul", "POST", "/v1/admin/participants", good, "application/json", `{"id":"` + fresh + `\u0000","name":"CERT"}`, 400, "bad_request"},
		{"participant country nul", "POST", "/v1/admin/participants", good, "application/json", `{"id":"` + fresh + `","name":"CERT","country":"L\u0000"}`, 400, "bad_request"},
		{"participant sector nul", "POST", "/v1/admin/participants", good, "application/json", `{"id":"` + fresh + `","name":"CERT","sector":"a\u0000"}`, 400, "bad_request"},
		{"participant jwks id nul", "GET", "/v1/participants/" + A + "%00/jwks", good, "", "", 404, "not_found"},
		{"add key kid nul", "POST", "/v1/admin/participants/" + A + "/keys", good, "application/json", string(nulKeyJWK), 400, "bad_request"},
		{"add key participant nul", "POST", "/v1/admin/participants/" + A + "%00/keys", good, "application/json", string(pubJWK), 404, "not_found"},
		{"revoke key kid nul", "POST", "/v1/admin/keys/k%00/revoke", good, "", "", 404, "not_found"},
		{"issue token org nul", "POST", "/v1/admin/tokens", good, "application/json", `{"org":"` + A + `\u0000","tier":"member","scope":"read","ttl":"1h"}`, 400, "bad_request"},
		{"issue token sub nul", "POST", "/v1/admin/tokens", good, "application/json", `{"sub":"s\u0000","org":"` + A + `","tier":"member","scope":"read","ttl":"1h"}`, 400, "bad_request"},
		{"revoke token jti nul", "POST", "/v1/admin/tokens/revoke", good, "application/json", `{"jti":"x\u0000"}`, 400, "bad_request"},
		{"revoke token with a nul jti", "POST", "/v1/admin/tokens/revoke", good, "application/json", `{"token":"` + nulJTIToken + `"}`, 400, "bad_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := hubDo(t, tc.method, p.URL+tc.path, tc.token, tc.contentType, tc.body)
			if a.Status != tc.status || a.code() != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, a.Status, a.Raw, tc.status, tc.code)
			}
		})
	}
	// A batch lookup answers a NUL value with its own error.
	a := hubDo(t, "POST", p.URL+"/v1/lookup", good, "application/json", `{"values":["a\u0000.example","nul.example"]}`)
	if a.Status != 200 || !strings.Contains(string(a.Raw), `"error"`) || !strings.Contains(string(a.Raw), ind) {
		t.Fatalf("batch lookup with a nul value = %d %s", a.Status, a.Raw)
	}
}
