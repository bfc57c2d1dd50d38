package hub

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
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
	Receipt  string // hub-signed compact JWS
}

// provenanceAnswer is the JSON answer of GET /v1/objects/{id}/provenance
// (the object itself is spliced in as its original bytes).
type provenanceAnswer struct {
	ID         string             `json:"id"`
	Modified   string             `json:"modified"`
	Type       string             `json:"type"`
	Raw        string             `json:"raw"` // base64 of the exact stored bytes
	SHA256     string             `json:"sha256"`
	Signature  string             `json:"signature"`
	KID        string             `json:"kid"`
	Signer     provenanceSigner   `json:"signer"`
	Submission provenanceSubmit   `json:"submission"`
	Verify     provenanceVerified `json:"verification"`
	// Log is the version's transparency-log entry and inclusion proof
	// (absent for versions accepted before the log existed).
	Log *provenanceLog `json:"log,omitempty"`
}

type provenanceSigner struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// provenanceSubmit names the submission; the receipt lists every object of
// the bundle, visible or not, so it is shown to the submitting org only.
type provenanceSubmit struct {
	ID       string `json:"id"`
	Received string `json:"received"`
	Receipt  string `json:"receipt,omitempty"`
}

// provenanceVerified is a fresh re-verification with the signer's keys as
// registered now: at the current time, and at the time the hub received
// the version (a key revoked since then fails the first and passes the
// second).
type provenanceVerified struct {
	Now        verification `json:"now"`
	AtReceived verification `json:"at_received"`
}

type verification struct {
	At    string `json:"at"`
	Valid bool   `json:"valid"`
	Alg   string `json:"alg,omitempty"`
	Error string `json:"error,omitempty"`
}

// handleProvenance answers GET /v1/objects/{id}/provenance[?version=…].
func (s *Server) handleProvenance(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r.URL.Query(), "version"); err != nil {
		fail(w, r, err)
		return
	}
	id, version, err := objectRef(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	if version == "all" {
		fail(w, r, badParam("version", `cannot be "all" here; name one version or none for the latest`))
		return
	}
	if s.deps.Queries == nil {
		fail(w, r, fmt.Errorf("provenance: %w: no query store configured", ErrUnavailable))
		return
	}
	viewer := viewerOf(r)
	p, err := s.deps.Queries.Provenance(r.Context(), viewer, id, version)
	if err != nil {
		fail(w, r, fmt.Errorf("provenance: %w", err))
		return
	}
	signer := p.Signer
	if signer == "" {
		signer = p.Object.CreatedBy
	}
	keys, err := s.deps.Queries.ParticipantKeys(r.Context(), signer)
	if err != nil {
		fail(w, r, fmt.Errorf("provenance: signer keys: %w", err))
		return
	}
	ans := provenanceAnswer{
		ID:        p.Object.ID,
		Modified:  p.Object.Modified,
		Type:      p.Object.Type,
		Raw:       base64.StdEncoding.EncodeToString(p.Object.Raw),
		SHA256:    hex.EncodeToString(p.SHA256),
		Signature: p.Signature,
		KID:       p.KID,
		Signer:    provenanceSigner{ID: p.Signer, Name: p.SignerName},
		Submission: provenanceSubmit{
			ID:       p.Submission.ID,
			Received: formatTime(p.Submission.Received),
		},
		Verify: provenanceVerified{
			Now:        verify(p.Object.Raw, keys, s.deps.Now()),
			AtReceived: verify(p.Object.Raw, keys, p.Object.Received),
		},
	}
	if ans.Log, err = s.provenanceLogFor(r.Context(), p.Object.ID, p.Object.Modified); err != nil {
		fail(w, r, err)
		return
	}
	if viewer.Org != "" && viewer.Org == p.Submission.Org {
		ans.Submission.Receipt = p.Submission.Receipt
	}
	b, err := withRaw(ans, "object", p.Object.Raw)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, append(b, '\n'))
}

// verify re-checks raw's signature with keys at time at.
func verify(raw []byte, keys []auth.Key, at time.Time) verification {
	v := verification{At: formatTime(at)}
	got, err := auth.VerifyObject(raw, keys, at)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	v.Valid, v.Alg = true, got.Alg
	return v
}
