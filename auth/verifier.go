package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// KeySource reads the participant key registry (implemented by
// hub/postgres). It is declared here, by its consumer.
type KeySource interface {
	// ParticipantKeys returns all keys of a participant, revoked included.
	ParticipantKeys(ctx context.Context, participant string) ([]Key, error)
	// KeyByKID returns one key, or an error wrapping ErrKeyNotFound.
	KeyByKID(ctx context.Context, kid string) (Key, error)
}

// Verifier checks the object signatures of one submission by one
// participant. It reads that participant's keys once, when created, so one
// request sees one consistent key state and the next request sees any
// revocation made meanwhile on any replica. Create one per request; it is
// safe for concurrent use.
type Verifier struct {
	src  KeySource
	org  string
	at   time.Time
	keys []Key
}

// NewVerifier loads org's keys from src for signatures checked at time at.
func NewVerifier(ctx context.Context, src KeySource, org string, at time.Time) (*Verifier, error) {
	keys, err := src.ParticipantKeys(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("new verifier: %w", err)
	}
	return &Verifier{src: src, org: org, at: at, keys: keys}, nil
}

// Verify checks one object submitted by the Verifier's participant. A
// signature by a key registered to another participant that verifies is
// ErrSignerMismatch (not a bad signature: the signer is real but not the
// submitter); one that does not verify, or an unknown kid, is
// ErrInvalidSignature.
func (v *Verifier) Verify(ctx context.Context, raw []byte) (Verified, error) {
	p, err := parseSigned(raw)
	if err != nil {
		return Verified{}, err
	}
	if key := findKey(v.keys, p.header.kid); key != nil {
		return p.verify(key, v.at)
	}
	other, err := v.src.KeyByKID(ctx, p.header.kid)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		return Verified{}, fmt.Errorf("%w: kid %q: %w", ErrInvalidSignature, p.header.kid, ErrKeyNotFound)
	case err != nil:
		return Verified{}, fmt.Errorf("verify object: %w", err)
	}
	if _, err := p.verify(&other, v.at); err != nil && !errors.Is(err, ErrSignerMismatch) {
		return Verified{}, err
	}
	return Verified{}, fmt.Errorf("%w: signed with key %q of %s, submitted by %s", ErrSignerMismatch, other.KID, other.Participant, v.org)
}
