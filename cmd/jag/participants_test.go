package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestAdminCommands bootstraps a registry with the admin subcommands only
// (no token needed) and checks the database agrees.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	db := "--database-url=" + url
	dir := t.TempDir()

	code, out, errs := runJag(t, "", "participant", "add", db, "--id", signTestOrg, "--name", "CERT Test", "--country", "LU", "--sector", "government")
	if code != 0 {
		t.Fatalf("participant add: %d %s", code, errs)
	}
	var p auth.Participant
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.ID != signTestOrg || p.Country != "LU" {
		t.Fatalf("participant add printed %s", out)
	}
	if code, _, errs := runJag(t, "", "participant", "add", db, "--id", signTestOrg, "--name", "again"); code != 1 || !strings.Contains(errs, "conflict") {
		t.Fatalf("duplicate participant: %d %s", code, errs)
	}
	if code, _, _ := runJag(t, "", "participant", "add", db, "--id", "identity--nope", "--name", "x"); code != 2 {
		t.Fatalf("bad id: exit %d, want 2", code)
	}

	priv, pub := keygen(t, dir, "ES384")
	pubFile := filepath.Join(dir, "pub.jwk")
	if err := os.WriteFile(pubFile, []byte(pub), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runJag(t, "", "key", "add", db, "--participant", signTestOrg, "--jwk", priv); code != 1 || !strings.Contains(errs, "private") {
		t.Fatalf("key add with a private key: %d %s", code, errs)
	}
	code, out, errs = runJag(t, "", "key", "add", db, "--participant", signTestOrg, "--jwk", pubFile)
	if code != 0 {
		t.Fatalf("key add: %d %s", code, errs)
	}
	var kd map[string]any
	if err := json.Unmarshal([]byte(out), &kd); err != nil || kd["alg"] != "ES384" || kd["participant"] != signTestOrg {
		t.Fatalf("key add printed %s", out)
	}
	kid := kd["kid"].(string)

	code, out, _ = runJag(t, "", "participant", "list", db)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, kid) {
		t.Fatalf("participant list: %d %s", code, out)
	}

	code, out, errs = runJag(t, "", "key", "revoke", db, "--kid", kid)
	if code != 0 || !strings.Contains(out, "revoked_at") {
		t.Fatalf("key revoke: %d %s %s", code, out, errs)
	}
	if code, _, errs := runJag(t, "", "key", "revoke", db, "--kid", "nope"); code != 1 || !strings.Contains(errs, "no key") {
		t.Fatalf("revoke unknown: %d %s", code, errs)
	}
	handle, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer handle.Close()
	k, err := handle.KeyByKID(ctx, kid)
	if err != nil || k.RevokedAt == nil || k.RevokedAt.After(time.Now()) {
		t.Fatalf("stored key = %+v, %v", k, err)
	}
	if code, _, _ := runJag(t, "", "participant", "frobnicate"); code != 2 {
		t.Fatalf("unknown subcommand: exit %d, want 2", code)
	}
}
