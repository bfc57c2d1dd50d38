package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestTokenCommands issues a token on the command line, checks the hub's
// authority (same database, same keys) accepts it, and revokes it by
// giving the token on stdin.
func TestTokenCommands(t *testing.T) {
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
