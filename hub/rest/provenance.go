package rest

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"github.com/jag-hub/jag/hub"
)

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

// provenanceVerified is the two fresh re-verifications (hub.ProvenanceReport).
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

func verificationOf(v hub.Verification) verification {
	return verification{At: formatTime(v.At), Valid: v.Valid, Alg: v.Alg, Error: v.Error}
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
	p, err := s.deps.Queries.Provenance(r.Context(), viewerOf(r), id, version)
	if err != nil {
		fail(w, r, err)
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
			Receipt:  p.Submission.Receipt,
		},
		Verify: provenanceVerified{Now: verificationOf(p.Now), AtReceived: verificationOf(p.AtReceived)},
		Log:    provenanceLogOf(p.Log),
	}
	b, err := withRaw(ans, "object", p.Object.Raw)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, append(b, '\n'))
}
