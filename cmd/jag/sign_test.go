package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

const signTestOrg = "identity--5a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"

// runJag runs one jag command line with stdin and returns its exit code,
// stdout and stderr.
func runJag(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	e, out, errb := testEnv(nil)
	e.stdin = strings.NewReader(stdin)
	code := run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// execJag is runJag through the real binary, with the JAG_* variables
// vars only. CPU-heavy commands (signing or verifying whole datasets) run
// this way: in-process, the race detector makes them ten times slower.
func execJag(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(jagBinary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JAG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("jag %s: %v", strings.Join(args, " "), err)
	return 0, "", ""
}

// keygen runs jag keygen into dir and returns the private key file and
// the public JWK printed.
func keygen(t *testing.T, dir, alg string) (string, string) {
	t.Helper()
	priv := filepath.Join(dir, alg+".jwk")
	code, out, errs := runJag(t, "", "keygen", "--alg", alg, "--out", priv)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, errs)
	}
	return priv, strings.TrimSpace(out)
}

func TestKeygen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := keygen(t, dir, "ES256")
	st, err := os.Stat(priv)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	k, err := auth.ParseJWK([]byte(pub))
	if err != nil || !k.IsPublic() || k.Algorithm != "ES256" || k.KeyID == "" {
		t.Fatalf("public JWK %s: %+v, %v", pub, k, err)
	}
	if _, err := readPrivateKey(priv); err != nil {
		t.Fatalf("private key file: %v", err)
	}
	if code, _, _ := runJag(t, "", "keygen", "--out", priv); code == 0 {
		t.Fatal("keygen overwrote an existing key file")
	}
	if code, _, _ := runJag(t, "", "keygen", "--alg", "HS256", "--out", filepath.Join(dir, "x")); code != 2 {
		t.Fatalf("keygen --alg HS256 exit %d, want 2", code)
	}
}

// TestSignVerify signs the MVT Predator dataset with jag sign and checks it
// with jag verify, from a file and from a URL, and after tampering.
func TestSignVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := keygen(t, dir, "EdDSA")
	key, err := auth.ParseJWK([]byte(pub))
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewKey(signTestOrg, key, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := auth.MarshalJWKS([]auth.Key{k})
	if err != nil {
		t.Fatal(err)
	}
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksFile, jwks, 0o644); err != nil {
		t.Fatal(err)
	}
	dataset, err := os.ReadFile(filepath.Join(testDatasets, "mvt-predator.stix2.json"))
	if err != nil {
		t.Fatalf("dataset: %v", err)
	}
	// Add a predefined TLP marking, which must stay unsigned.
	var doc map[string]any
	if err := json.Unmarshal(dataset, &doc); err != nil {
		t.Fatal(err)
	}
	var tlp any
	_ = json.Unmarshal([]byte(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`), &tlp)
	doc["objects"] = append([]any{tlp}, doc["objects"].([]any)...)
	input, _ := json.Marshal(doc)

	code, signed, errs := execJag(t, nil, string(input), "sign", "--key", priv, "--as", signTestOrg, "--recipients", signTestOrg, "-")
	if code != 0 {
		t.Fatalf("sign: %d %s", code, errs)
	}
	b, err := stix.DecodeBundle([]byte(signed), stix.Limits{})
	if err != nil {
		t.Fatalf("signed bundle: %v", err)
	}
	if len(b.Objects) != 1172 || !stix.IsPredefinedTLPMarking(b.Objects[0]) || strings.Contains(string(b.Objects[0].Raw), auth.ExtensionID) {
		t.Fatalf("signed bundle: %d objects, TLP marking changed: %s", len(b.Objects), b.Objects[0].Raw)
	}
	if b.Objects[1].CreatedByRef != signTestOrg {
		t.Fatalf("created_by_ref = %q", b.Objects[1].CreatedByRef)
	}
	signedFile := filepath.Join(dir, "signed.json")
	if err := os.WriteFile(signedFile, []byte(signed), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("OK file", func(t *testing.T) {
		code, out, errs := execJag(t, nil, "", "verify", "--jwks", jwksFile, signedFile)
		if code != 0 || strings.Count(out, `"ok":true`) != 1171 {
			t.Fatalf("verify: %d %s %.300s", code, errs, out)
		}
	})
	t.Run("OK url", func(t *testing.T) {
		var auths []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auths = append(auths, r.Header.Get("Authorization"))
			_, _ = w.Write(jwks)
		}))
		defer srv.Close()
		for _, server := range []string{srv.URL, "http://hub.example"} {
			vars := map[string]string{"JAG_SERVER": server, "JAG_TOKEN": "tok"}
			if code, _, errs := execJag(t, vars, signed, "verify", "--jwks", srv.URL+"/v1/participants/x/jwks", "-"); code != 0 {
				t.Fatalf("verify: %d %s", code, errs)
			}
		}
		// The token goes to the configured hub only.
		if len(auths) != 2 || auths[0] != "Bearer tok" || auths[1] != "" {
			t.Fatalf("Authorization sent: %q", auths)
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		victim := b.Objects[5].ID
		tampered := strings.Replace(signed, `"id":"`+victim+`"`, `"id":"`+victim+`","x_note":"edited"`, 1)
		code, _, errs := execJag(t, nil, tampered, "verify", "--jwks", jwksFile, "-")
		if code != 1 || !strings.Contains(errs, victim) || !strings.Contains(errs, "1 of 1171") {
			t.Fatalf("verify tampered: %d %s", code, errs)
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		revoked := time.Now().Add(-time.Minute)
		k.RevokedAt = &revoked
		jwks, _ := auth.MarshalJWKS([]auth.Key{k})
		f := filepath.Join(dir, "revoked.json")
		_ = os.WriteFile(f, jwks, 0o644)
		if code, _, _ := execJag(t, nil, signed, "verify", "--jwks", f, "-"); code != 1 {
			t.Fatalf("verify with revoked key: exit %d, want 1", code)
		}
	})
	t.Run("ErrOtherSigner", func(t *testing.T) {
		code, _, errs := execJag(t, nil, signed, "verify", "--jwks", jwksFile, "--participant", signTestOrg, "-")
		if code != 0 {
			t.Fatalf("participant flag on a JWKS that names its owner: %d %s", code, errs)
		}
		plain := filepath.Join(dir, "plain.json")
		_ = os.WriteFile(plain, []byte(`{"keys":[`+pub+`]}`), 0o644)
		if code, _, _ := execJag(t, nil, signed, "verify", "--jwks", plain, "--participant", "identity--00000000-0000-4000-8000-000000000000", "-"); code != 1 {
			t.Fatalf("verify as another participant: exit %d, want 1", code)
		}
	})
}
