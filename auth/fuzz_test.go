package auth

import (
	"errors"
	"testing"
	"time"
)

// FuzzVerifyObject feeds arbitrary bytes to the verifier: it must never
// panic, and must never accept anything but the exact signed object.
func FuzzVerifyObject(f *testing.F) {
	// Not testKeySet: RSA key generation under coverage instrumentation
	// would stall every fuzz worker.
	priv, err := GenerateKey("EdDSA")
	if err != nil {
		f.Fatal(err)
	}
	keys := []Key{registered(f, orgA, priv)}
	signed := sign(f, testIndicator, priv, []string{orgA})
	f.Add(signed)
	f.Add([]byte(testIndicator))
	f.Add([]byte(`{"extensions":{"` + ExtensionID + `":{"signature":"e30..AA"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := VerifyObject(data, keys, time.Now())
		if err != nil {
			if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrSignerMismatch) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			return
		}
		if v.Signer != orgA {
			t.Fatalf("accepted with signer %q", v.Signer)
		}
	})
}
