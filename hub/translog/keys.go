package translog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Key is one of the log's note keys as stored.
type Key struct {
	VKey      string // note verifier key; its name is the log's origin
	SKey      string // note signer key
	CreatedAt time.Time
	RetiredAt *time.Time // retired keys no longer sign
}

// KeyStore keeps the log's keys where every replica finds them.
type KeyStore interface {
	// LogKeys returns the keys, newest first.
	LogKeys(ctx context.Context) ([]Key, error)
	// CreateLogKeyIfNone stores k unless a non-retired key exists,
	// atomically with respect to concurrent callers on any replica.
	CreateLogKeyIfNone(ctx context.Context, k Key) error
}

// Keys are the log's parsed active keys, newest first.
type Keys struct {
	Origin    string
	Signers   []note.Signer
	Verifiers []note.Verifier
	VKeys     []string
}

// EnsureKeys returns the log's active keys, generating one named origin
// first when the store has none (so the first replica to start names the
// log; later ones use the stored key whatever their origin setting).
// Every active key must carry the same name: the origin.
func EnsureKeys(ctx context.Context, store KeyStore, origin string) (Keys, error) {
	keys, err := store.LogKeys(ctx)
	if err != nil {
		return Keys{}, fmt.Errorf("ensure log keys: %w", err)
	}
	if !hasActive(keys) {
		skey, vkey, err := GenerateLogKey(origin)
		if err != nil {
			return Keys{}, fmt.Errorf("ensure log keys: %w", err)
		}
		if err := store.CreateLogKeyIfNone(ctx, Key{VKey: vkey, SKey: skey}); err != nil {
			return Keys{}, fmt.Errorf("ensure log keys: %w", err)
		}
		if keys, err = store.LogKeys(ctx); err != nil {
			return Keys{}, fmt.Errorf("ensure log keys: %w", err)
		}
	}
	var out Keys
	for _, k := range keys {
		if k.RetiredAt != nil {
			continue
		}
		s, err := note.NewSigner(k.SKey)
		if err != nil {
			return Keys{}, fmt.Errorf("ensure log keys: signer key: %w", err)
		}
		v, err := note.NewVerifier(k.VKey)
		if err != nil {
			return Keys{}, fmt.Errorf("ensure log keys: verifier key: %w", err)
		}
		if out.Origin == "" {
			out.Origin = v.Name()
		} else if v.Name() != out.Origin {
			return Keys{}, fmt.Errorf("ensure log keys: active keys name %q and %q; one log has one origin", out.Origin, v.Name())
		}
		out.Signers = append(out.Signers, s)
		out.Verifiers = append(out.Verifiers, v)
		out.VKeys = append(out.VKeys, k.VKey)
	}
	if len(out.Signers) == 0 {
		return Keys{}, errors.New("ensure log keys: no active log key after creation")
	}
	return out, nil
}

func hasActive(keys []Key) bool {
	for _, k := range keys {
		if k.RetiredAt == nil {
			return true
		}
	}
	return false
}
