package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// memKeys is an in-memory KeySource.
type memKeys []Key

func (m memKeys) ParticipantKeys(_ context.Context, participant string) ([]Key, error) {
	var out []Key
	for _, k := range m {
		if k.Participant == participant {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m memKeys) KeyByKID(_ context.Context, kid string) (Key, error) {
	for _, k := range m {
		if k.KID == kid {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("kid %q: %w", kid, ErrKeyNotFound)
}

func TestVerifier(t *testing.T) {
	keysA, keysB := testKeySet()["EdDSA"], testKeySet()["ES256"]
	unregistered := testKeySet()["ES384"]
	reg := memKeys{registered(t, orgA, keysA), registered(t, orgB, keysB)}
	ctx := context.Background()
	v, err := NewVerifier(ctx, reg, orgA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// B signs an object that claims to be A's, and one that is honestly B's.
	byB := sign(t, testIndicator, keysB, nil)
	tamperedByB := []byte(strings.Replace(string(byB), "Pegasus infrastructure", "Pegasos infrastructure", 1))
	tests := []struct {
		name string
		obj  []byte
		want error
	}{
		{"OK", sign(t, testIndicator, keysA, nil), nil},
		{"ErrSignerMismatch another participant's valid signature", byB, ErrSignerMismatch},
		{"ErrInvalidSignature another participant's key, bad signature", tamperedByB, ErrInvalidSignature},
		{"ErrKeyNotFound unregistered key", sign(t, testIndicator, unregistered, nil), ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(ctx, tt.obj)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != ErrSignerMismatch && errors.Is(err, ErrSignerMismatch) {
				t.Fatalf("err = %v also claims signer mismatch", err)
			}
		})
	}
}
