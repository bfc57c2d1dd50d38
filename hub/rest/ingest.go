package rest

import (
	"bytes"
	"mime"
	"net/http"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// handleSubmitBundle answers POST /v1/bundles (API.md section 3). The route
// rule has already authenticated the caller (scope submit) before the body
// is read; the global MaxBytesReader bounds the body.
//
// The media type is checked first (415), then the body is read (413) and
// handed to the ingest service (hub.IngestService.Submit), whose typed
// errors map to their statuses in hub/problem. 201 when at least one
// version was stored; 200 when nothing new was (an idempotent retry is
// answered with the original submission's record).
func (s *Server) handleSubmitBundle(w http.ResponseWriter, r *http.Request) {
	if !stixMediaType(r.Header.Get("Content-Type")) {
		refuse(w, r, hub.CodeUnsupportedMedia, "send application/stix+json;version=2.1 or application/json")
		return
	}
	p, _ := auth.FromContext(r.Context())
	if p == nil || p.Org == "" {
		refuse(w, r, hub.CodeForbidden, "the token names no participant org")
		return
	}
	// Room in the ingest byte budget first: the body and everything
	// decoded from it live until Submit returns.
	weight := s.cfg.MaxBodyBytes
	if r.ContentLength >= 0 {
		weight = min(r.ContentLength, weight)
	}
	release, err := s.ingestBudget.Acquire(r.Context(), weight)
	if err != nil {
		writeBusy(w, r, s.ingestBudget, err)
		return
	}
	defer release()
	body, err := readBody(r, s.cfg.MaxBodyBytes)
	if err != nil {
		if problem.IsMaxBytes(err) {
			fail(w, r, err)
			return
		}
		refuse(w, r, hub.CodeBadRequest, "the request body could not be read")
		return
	}
	res, err := s.deps.Ingest.Submit(r.Context(), p, body)
	if err != nil {
		fail(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Replayed && res.Submission.Accepted > 0 {
		status = http.StatusCreated
	}
	// Identifiers and counts only: never object content.
	hlog.FromRequest(r).Info().Str("submission", res.Submission.ID).Str("org", res.Submission.Org).
		Int("accepted", res.Submission.Accepted).Int("duplicates", res.Submission.Duplicates).
		Bool("replayed", res.Replayed).Msg("bundle submitted")
	writeJSON(w, status, viewOf(res.Submission))
}

// readBody reads the whole body into one buffer sized by Content-Length
// (capped at limit; the MaxBytesReader enforces the limit itself).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	size := min(max(r.ContentLength, 0), limit) + bytes.MinRead
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}

// stixMediaType accepts application/stix+json (with version 2.1 when a
// version is given) and application/json.
func stixMediaType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json":
		return true
	case "application/stix+json":
		v, ok := params["version"]
		return !ok || v == "2.1"
	}
	return false
}
