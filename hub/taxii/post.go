package taxii

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/jag-hub/jag/hub"
)

// envelope is a TAXII envelope as POSTed (section 3.7): more and next
// are meaningless in a request and ignored.
type envelope struct {
	More    *bool             `json:"more"`
	Next    *string           `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

// addObjects answers POST {api-root}/collections/{id}/objects/: the
// envelope's objects go through the hub's ingest in partial mode, and
// the answer is 202 with a status resource, complete at once (ingest is
// synchronous), kept for Config.StatusRetention. Checks, each before the
// next: collection (404), write permission (403), media type (415), size
// (413 above max_content_length), JSON (400), envelope shape (422).
func (h *Handler) addObjects(w http.ResponseWriter, r *request) error {
	c, err := h.findCollection(r)
	if err != nil {
		return err
	}
	if !h.canWrite(r, c) {
		return newError(http.StatusForbidden, hub.CodeForbidden, "the token may not add objects to this collection")
	}
	if !taxiiContent(r.Header.Get("Content-Type")) {
		return newError(http.StatusUnsupportedMediaType, hub.CodeUnsupportedMedia, "send "+MediaType)
	}
	if r.ContentLength > h.cfg.MaxContentLength {
		return h.tooLarge()
	}
	// Room in the ingest byte budget before the body is read (503 beyond
	// its wait, the body discarded so the client sees the answer).
	weight := h.cfg.MaxContentLength
	if r.ContentLength >= 0 {
		weight = r.ContentLength
	}
	release, err := h.deps.IngestBudget.Acquire(r.Context(), weight)
	if err != nil {
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, h.cfg.MaxContentLength))
		return err
	}
	defer release()
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return newError(http.StatusBadRequest, hub.CodeInvalidJSON, "the body is not JSON")
		}
		return newError(http.StatusUnprocessableEntity, hub.CodeInvalidObject, "the body is not a TAXII envelope (members more, next and objects, objects a list)")
	}
	if dec.More() {
		return newError(http.StatusBadRequest, hub.CodeInvalidJSON, "data after the envelope")
	}
	if len(env.Objects) == 0 {
		return newError(http.StatusUnprocessableEntity, hub.CodeInvalidObject, "the envelope holds no objects")
	}
	if h.deps.Ingester == nil || h.deps.Statuses == nil {
		return fmt.Errorf("add objects: ingest is not configured: %w", hub.ErrUnavailable)
	}
	requested := h.deps.Now().UTC().Truncate(time.Microsecond)
	res, err := h.deps.Ingester.IngestEnvelope(r.Context(), r.p, env.Objects, &c.Filter)
	if err != nil {
		return fmt.Errorf("add objects: %w", err)
	}
	if len(res.Outcomes) != len(env.Objects) {
		return fmt.Errorf("add objects: %d outcomes for %d objects", len(res.Outcomes), len(env.Objects))
	}
	id, err := newUUID()
	if err != nil {
		return err
	}
	st := &hub.EnvelopeStatus{ID: id, Org: r.p.Org, Collection: c.ID, Requested: requested,
		Expires: requested.Add(h.cfg.StatusRetention)}
	for _, o := range res.Outcomes {
		d := hub.StatusDetail{ID: o.ID, Version: o.Version}
		if o.Stored {
			st.Successes = append(st.Successes, d)
			continue
		}
		d.Message = o.Code + ": " + o.Message
		st.Failures = append(st.Failures, d)
	}
	if err := h.deps.Statuses.SaveStatus(r.Context(), st); err != nil {
		return fmt.Errorf("save status: %w", err)
	}
	sub := ""
	if res.Submission != nil {
		sub = res.Submission.ID
	}
	h.log.Info().Str("status", st.ID).Str("org", st.Org).Str("collection", c.ID).Str("submission", sub).
		Int("successes", len(st.Successes)).Int("failures", len(st.Failures)).Msg("taxii envelope submitted")
	writeJSON(w, http.StatusAccepted, statusOf(st))
	return nil
}

// tooLarge is the 413 of a body beyond max_content_length.
func (h *Handler) tooLarge() *Error {
	return newError(http.StatusRequestEntityTooLarge, hub.CodeTooLarge,
		"the body exceeds max_content_length ("+strconv.FormatInt(h.cfg.MaxContentLength, 10)+" bytes)")
}

// readBody reads the POST body, answering 413 above max_content_length
// (at once from Content-Length when it says so).
func (h *Handler) readBody(w http.ResponseWriter, r *request) ([]byte, error) {
	limit := h.cfg.MaxContentLength
	tooLarge := h.tooLarge()
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	var buf bytes.Buffer
	buf.Grow(int(min(max(r.ContentLength, 0), limit)) + bytes.MinRead)
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, badRequest("the request body could not be read")
	}
	return buf.Bytes(), nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new status id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
