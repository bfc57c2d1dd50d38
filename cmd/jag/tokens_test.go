package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestTokenCommands issues a token on the command line, checks the hub's
// authority (same database, same keys) accepts it, and revokes it by
// giving the token on stdin.
func TestTokenCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	db := "--database-url=" + url
	if code, _, errs := runJag(t, "", "participant", "add", db, "--id", signTestOrg, "--name", "CERT Test"); code != 0 {
		t.Fatalf("participant add: %s", errs)
	}
	code, out, errs := runJag(t, "", "token", "issue", db, "--org", signTestOrg, "--tier", "client", "--scope", "submit read", "--ttl", "2h")
	if code != 0 {
		t.Fatalf("token issue: %d %s", code, errs)
	}
	token := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 || strings.Count(token, ".") != 2 {
		t.Fatalf("token issue printed %q, want only the token", out)
	}

	handle, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer handle.Close()
	var ac authConfig
	ac.issuer, ac.audience, ac.hubKeyAlg = auth.DefaultIssuer, auth.DefaultAudience, auth.DefaultHubAlgorithm
	a, err := ac.authority(ctx, handle)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Verify(ctx, token)
	if err != nil || p.Org != signTestOrg || p.Tier != auth.TierClient || !p.HasScope("submit") || !p.HasScope("read") {
		t.Fatalf("Verify = %+v, %v", p, err)
	}

	for _, bad := range [][]string{
		{"token", "issue", db, "--org", signTestOrg, "--ttl", "48h"},
		{"token", "issue", db, "--org", "identity--00000000-0000-4000-8000-000000000000"},
		{"token", "issue", db, "--org", signTestOrg, "--tier", "root"},
	} {
		if code, _, _ := runJag(t, "", bad...); code == 0 {
			t.Errorf("%v succeeded", bad)
		}
	}
	if code, _, _ := runJag(t, "", "token", "revoke", db, token); code != 2 {
		t.Fatalf("token as an argument: exit %d, want 2 (tokens belong on stdin)", code)
	}
	if code, _, errs := runJag(t, token+"\n", "token", "revoke", db); code != 0 {
		t.Fatalf("token revoke: %d %s", code, errs)
	}
	if _, err := a.Verify(ctx, token); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Fatalf("after revoke: %v", err)
	}
	if code, _, errs := runJag(t, "", "token", "revoke", db, "--jti", "some-jti"); code != 0 {
		t.Fatalf("revoke by jti: %s", errs)
	}
	if revoked, err := handle.TokenRevoked(ctx, "some-jti"); err != nil || !revoked {
		t.Fatalf("TokenRevoked = %v, %v", revoked, err)
	}
}

// TestAuthConfigKeyFilesAndExternalIssuer: hub keys supplied as files sign
// (and nothing is generated in the database); an external issuer's tokens
// are accepted with its JWKS file.
func TestAuthConfigKeyFilesAndExternalIssuer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	dir := t.TempDir()
	hubKey, _ := keygen(t, dir, "ES256")
	extPriv, extPub := keygen(t, dir, "EdDSA")
	extJWKS := filepath.Join(dir, "ext.json")
	if err := os.WriteFile(extJWKS, []byte(`{"keys":[`+extPub+`]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ac := authConfig{issuer: auth.DefaultIssuer, audience: auth.DefaultAudience, hubKeyFiles: hubKey,
		externalIssuer: "https://idp.example", externalJWKS: extJWKS}
	a, err := ac.authority(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := readPrivateKey(hubKey)
	if set := a.JWKS(); len(set.Keys) != 1 || set.Keys[0].KeyID != want.KeyID {
		t.Fatalf("JWKS = %+v, want the file's key only", set)
	}
	if stored, err := db.HubKeys(ctx); err != nil || len(stored) != 0 {
		t.Fatalf("hub keys generated in the database despite --hub-key-file: %d, %v", len(stored), err)
	}
	// A token of the external issuer, signed with its key.
	ext, err := auth.NewAuthority(auth.AuthorityConfig{Keys: []jose.JSONWebKey{*mustKey(t, extPriv)}, Issuer: "https://idp.example", Revocations: db})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ext.Issue(ctx, auth.TokenClaims{Org: signTestOrg, Tier: auth.TierMember, Scopes: []string{"read"}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := a.Verify(ctx, tok); err != nil || p.Org != signTestOrg {
		t.Fatalf("external token: %+v, %v", p, err)
	}
	ac.externalJWKS = ""
	if _, err := ac.authority(ctx, db); !errors.Is(err, errUsage) {
		t.Fatalf("issuer without JWKS: err = %v, want usage error", err)
	}
}

func mustKey(t *testing.T, path string) *jose.JSONWebKey {
	t.Helper()
	k, err := readPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
