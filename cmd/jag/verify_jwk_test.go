package main

import (
	"bytes"
	"testing"

	"github.com/jag-hub/jag/auth"
)

// TestVerifyAcceptsSingleJWK: `jag verify --jwks FILE` takes the public JWK
// `jag keygen` prints as well as a JWKS; a JWKS and non-JWK input pass
// through unchanged for ParseJWKS to judge.
func TestVerifyAcceptsSingleJWK(t *testing.T) {
	t.Parallel()
	const jwk = `{"use":"sig","kty":"OKP","kid":"k1","crv":"Ed25519","alg":"EdDSA","x":"zB4TfwUYPxsvVF-v1KB0klYvG8YE8YBnZGvGcfctsOE"}`
	keys, err := auth.ParseJWKS(asJWKS([]byte(jwk+"\n")), "identity--6f2d2a8e-3b1c-4b5e-9c1d-2f6a1e0b7c3d")
	if err != nil || len(keys) != 1 || keys[0].KID != "k1" {
		t.Fatalf("single JWK: %d keys, %v", len(keys), err)
	}
	set := []byte(`{"keys":[` + jwk + `]}`)
	if got := asJWKS(set); !bytes.Equal(got, set) {
		t.Fatalf("a JWKS was rewritten: %s", got)
	}
	for _, in := range []string{`[]`, `not json`, `{"kty":"OKP","keys":[]}`} {
		if got := asJWKS([]byte(in)); string(got) != in {
			t.Fatalf("%q rewritten to %q", in, got)
		}
	}
}
