package hub

import (
	"context"
	"fmt"
	"time"

	"github.com/jag-hub/jag/auth"
)

// Provenance is what proves where one stored version came from.
type Provenance struct {
	Object    ObjectVersion
	SHA256    []byte // of the JCS form of the whole object, signature included
	Signature string // the detached compact JWS as stored
	KID       string
	// Signer is the participant that owns KID (the object's creator), and
	// SignerName its registered name; both "" if the key is unknown.
	Signer     string
	SignerName string
	Submission SubmissionRef
}

// SubmissionRef is the submission a version arrived in.
type SubmissionRef struct {
	ID       string
	Org      string
	Received time.Time
	Receipt  string // hub-signed compact JWS; "" unless the viewer's org submitted it
}

// Verification is a fresh re-verification of a stored signature with the
// signer's keys as registered now, at time At.
type Verification struct {
	At    time.Time
	Valid bool
	Alg   string // when Valid
	Error string // when not Valid
}

// ProvenanceReport is a version's provenance with two re-verifications:
// at the current time, and at the time the hub received the version (a
// key revoked since then fails the first and passes the second).
type ProvenanceReport struct {
	Provenance
	Now        Verification
	AtReceived Verification
	// Log is the version's transparency-log position and inclusion proof;
	// nil when the version was never logged or no log is configured.
	Log *ProvenanceLog
}

// Provenance returns the provenance of the version of id whose modified
// is version ("" for the latest visible). The submission's receipt lists
// every object of its bundle, visible or not, so it is kept only for a
// principal of the submitting org that may see them all (receiptReadable).
// Missing or hidden wraps ErrNotFound.
func (s *QueryService) Provenance(ctx context.Context, v Viewer, id, version string) (ProvenanceReport, error) {
	if s.store == nil {
		return ProvenanceReport{}, fmt.Errorf("provenance: %w: no query store configured", ErrUnavailable)
	}
	p, err := s.store.Provenance(ctx, v, id, version)
	if err != nil {
		return ProvenanceReport{}, fmt.Errorf("provenance: %w", err)
	}
	signer := p.Signer
	if signer == "" {
		signer = p.Object.CreatedBy
	}
	keys, err := s.store.ParticipantKeys(ctx, signer)
	if err != nil {
		return ProvenanceReport{}, fmt.Errorf("provenance: signer keys: %w", err)
	}
	ok, err := receiptReadable(ctx, s.store, v, p.Submission.Org, p.Submission.Receipt)
	if err != nil {
		return ProvenanceReport{}, fmt.Errorf("provenance: %w", err)
	}
	if !ok {
		p.Submission.Receipt = ""
	}
	plog, err := s.provenanceLog(ctx, p.Object.ID, p.Object.Modified)
	if err != nil {
		return ProvenanceReport{}, err
	}
	return ProvenanceReport{
		Log:        plog,
		Provenance: p,
		Now:        verify(p.Object.Raw, keys, s.now()),
		AtReceived: verify(p.Object.Raw, keys, p.Object.Received),
	}, nil
}

// verify re-checks raw's signature with keys at time at.
func verify(raw []byte, keys []auth.Key, at time.Time) Verification {
	v := Verification{At: at}
	got, err := auth.VerifyObject(raw, keys, at)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Valid, v.Alg = true, got.Alg
	return v
}
