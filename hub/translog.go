package hub

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

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
// *translog.Log implements it, and the store finds the version's index.
type LogProver interface {
	// LogIndex returns the entry index of a stored version, or an error
	// wrapping ErrNotFound when the version has none. Callers check
	// visibility first.
	LogIndex(ctx context.Context, id, modified string) (int64, error)
	// Prove returns the entry and its inclusion proof in the newest
	// checkpoint (translog.ErrPending before one covers it).
	Prove(ctx context.Context, index int64) (translog.Inclusion, error)
}

// logPositionView is one version's log index in a submission's answer.
type logPositionView struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Index    int64  `json:"index"`
}

func logPositionViews(ps []LogPosition) []logPositionView {
	if len(ps) == 0 {
		return nil
	}
	out := make([]logPositionView, len(ps))
	for i, p := range ps {
		out[i] = logPositionView(p)
	}
	return out
}

// provenanceLog is the "log" member of a provenance answer: the version's
// entry, and (once a checkpoint covers it) the inclusion proof of the
// entry in that signed checkpoint, all checkable with
// golang.org/x/mod/sumdb/tlog and /note and the log key.
type provenanceLog struct {
	Index      int64    `json:"index"`
	Entry      string   `json:"entry,omitempty"`      // base64 of the entry bytes
	Checkpoint string   `json:"checkpoint,omitempty"` // the signed note
	Proof      []string `json:"proof,omitempty"`      // base64 RFC 6962 hashes
	Pending    bool     `json:"pending,omitempty"`    // no checkpoint covers it yet
}

func provenanceLogOf(in translog.Inclusion) *provenanceLog {
	p := &provenanceLog{
		Index:      in.Index,
		Entry:      base64.StdEncoding.EncodeToString(in.Entry),
		Checkpoint: string(in.Checkpoint),
		Proof:      make([]string, len(in.Proof)),
	}
	for i, h := range in.Proof {
		p.Proof[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return p
}

// handleLog serves /v1/log/… through the log's handler (package tlogapi).
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	if s.deps.TransparencyLog == nil {
		fail(w, r, fmt.Errorf("transparency log: %w: not configured", ErrUnavailable))
		return
	}
	s.deps.TransparencyLog.ServeHTTP(w, r)
}

// provenanceLogFor returns the log member of a provenance answer: nil
// when no prover is configured or the version was never logged.
func (s *Server) provenanceLogFor(ctx context.Context, id, modified string) (*provenanceLog, error) {
	if s.deps.LogProver == nil {
		return nil, nil
	}
	idx, err := s.deps.LogProver.LogIndex(ctx, id, modified)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("provenance log index: %w", err)
	}
	in, err := s.deps.LogProver.Prove(ctx, idx)
	if errors.Is(err, translog.ErrPending) || errors.Is(err, translog.ErrNoCheckpoint) {
		return &provenanceLog{Index: idx, Pending: true}, nil
	}
	if errors.Is(err, translog.ErrEntryMissing) {
		// The index alone: a client fetching the entry finds it missing.
		return &provenanceLog{Index: idx}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("provenance log proof: %w", err)
	}
	return provenanceLogOf(in), nil
}
