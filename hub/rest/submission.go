package rest

import (
	"net/http"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// submissionView is the JSON answer of POST /v1/bundles and
// GET /v1/submissions/{id}.
type submissionView struct {
	Submission string `json:"submission"`
	Received   string `json:"received"`
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
	Receipt    string `json:"receipt"`
	// Log names each stored version's transparency-log entry index.
	Log []logPositionView `json:"log,omitempty"`
}

func viewOf(s hub.Submission) submissionView {
	return submissionView{
		Submission: s.ID,
		Received:   s.Received.UTC().Format(time.RFC3339Nano),
		Accepted:   s.Accepted,
		Duplicates: s.Duplicates,
		Receipt:    s.Receipt,
		Log:        logPositionViews(s.Log),
	}
}

// handleGetSubmission answers GET /v1/submissions/{id}: the receipt of an
// earlier submission of the caller's own org. A submission of another org
// is answered exactly like a missing one.
func (s *Server) handleGetSubmission(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	sub, err := s.deps.Ingest.Submission(r.Context(), p, r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(sub))
}
