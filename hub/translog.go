package hub

import (
	"context"
	"errors"
	"fmt"

	"github.com/jag-hub/jag/hub/translog"
)

// LogPosition is where the transparency log (hub/translog) holds an object
// version: its entry index.
type LogPosition struct {
	ID       string
	Modified string
	Index    int64
}

// LogProver proves that a version's entry is in the transparency log;
// cmd/jag joins the store's index lookup and *translog.Log into one.
type LogProver interface {
	// LogIndex returns the entry index of a stored version, or an error
	// wrapping ErrNotFound when the version has none. Callers check
	// visibility first.
	LogIndex(ctx context.Context, id, modified string) (int64, error)
	// Prove returns the entry and its inclusion proof in the newest
	// checkpoint (translog.ErrPending before one covers it).
	Prove(ctx context.Context, index int64) (translog.Inclusion, error)
}

// ProvenanceLog is a version's place in the transparency log: its index
// and, once a signed checkpoint covers it, the entry with its inclusion
// proof in that checkpoint (checkable with golang.org/x/mod/sumdb/tlog and
// /note and the log key alone).
type ProvenanceLog struct {
	Index int64
	// Inclusion is nil while Pending, and when the entry is missing from
	// the log (a client fetching it then finds it missing).
	Inclusion *translog.Inclusion
	// Pending: no checkpoint covers the entry yet (the seconds after
	// ingest).
	Pending bool
}

// WithLog makes Provenance answers carry the version's log position and
// inclusion proof (ProvenanceReport.Log). It returns s.
func (s *QueryService) WithLog(p LogProver) *QueryService {
	s.log = p
	return s
}

// provenanceLog returns the log part of a provenance report: nil when no
// prover is configured or the version was never logged (accepted before
// the log existed, or with the log switched off).
func (s *QueryService) provenanceLog(ctx context.Context, id, modified string) (*ProvenanceLog, error) {
	if s.log == nil {
		return nil, nil
	}
	idx, err := s.log.LogIndex(ctx, id, modified)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("provenance log index: %w", err)
	}
	in, err := s.log.Prove(ctx, idx)
	switch {
	case errors.Is(err, translog.ErrPending), errors.Is(err, translog.ErrNoCheckpoint):
		return &ProvenanceLog{Index: idx, Pending: true}, nil
	case errors.Is(err, translog.ErrEntryMissing):
		return &ProvenanceLog{Index: idx}, nil
	case err != nil:
		return nil, fmt.Errorf("provenance log proof: %w", err)
	}
	return &ProvenanceLog{Index: idx, Inclusion: &in}, nil
}
