package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// IngestStore is what POST /v1/bundles needs from storage: the participant
// key registry and the submission store. *postgres.DB implements it.
type IngestStore interface {
	SubmissionStore
	auth.KeySource
}

// IngestDeps are the collaborators of the ingest routes (POST /v1/bundles,
// GET /v1/submissions/{id}). Without a Store they answer 503.
type IngestDeps struct {
	Store    IngestStore
	Receipts ReceiptSigner
}

// minVerifyBatch is the number of signatures below which verification
// stays on the request goroutine: a goroutine per few objects costs more
// than it saves.
const minVerifyBatch = 64

// handleSubmitBundle answers POST /v1/bundles (API.md section 3). The route
// rule has already authenticated the caller (scope submit) before the body
// is read; the global MaxBytesReader bounds the body.
//
// Order of checks, each answered before the next starts: media type (415),
// decoding (400 invalid_json, 413 too_large), STIX validation (422 with
// every problem; code invalid_pattern when all of them are pattern
// problems), signatures (400 invalid_signature, 403 signer_mismatch), the
// policy (policy.go; 422 invalid_object), then one transaction (409
// conflict, 403 forbidden, 503 unavailable). 201 when at least one version
// was stored. 200 when nothing new was: a retry of an earlier submission
// of the same org (same digest) is answered with that submission's record
// (its receipt, time and counts); a bundle whose versions were all stored
// by other submissions is recorded as a no-op submission (accepted 0)
// whose receipt then answers its own retries.
func (s *Server) handleSubmitBundle(w http.ResponseWriter, r *http.Request) {
	res, err := s.submit(r)
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

func (s *Server) submit(r *http.Request) (StoreResult, error) {
	ctx := r.Context()
	p, _ := auth.FromContext(ctx)
	deps := s.deps.Ingest
	if deps.Store == nil || deps.Receipts == nil {
		return StoreResult{}, fmt.Errorf("submit bundle: ingest is not configured: %w", ErrUnavailable)
	}
	if !stixMediaType(r.Header.Get("Content-Type")) {
		return StoreResult{}, NewProblem(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"send application/stix+json;version=2.1 or application/json")
	}
	if p.Org == "" {
		return StoreResult{}, NewProblem(http.StatusForbidden, CodeForbidden, "the token names no participant org")
	}
	body, err := readBody(r, s.cfg.MaxBodyBytes)
	if err != nil {
		if isMaxBytes(err) {
			return StoreResult{}, err
		}
		return StoreResult{}, NewProblem(http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
	}
	bundle, err := stix.DecodeBundle(body, stix.Limits{MaxBytes: int(s.cfg.MaxBodyBytes)})
	if err != nil {
		return StoreResult{}, decodeProblem(err)
	}
	patterns, probs := stix.Validate(bundle)
	if len(probs) > 0 {
		return StoreResult{}, validationProblem(probs)
	}
	// Microseconds: what PostgreSQL keeps, so the receipt, this answer and
	// every later read of the submission name the same instant.
	received := s.deps.Now().UTC().Truncate(time.Microsecond)
	skip := make([]bool, len(bundle.Objects))
	for i, o := range bundle.Objects {
		skip[i] = stix.IsPredefinedTLPMarking(o)
	}
	verified, err := s.verifyAll(ctx, deps.Store, p.Org, bundle, skip, received)
	if err != nil {
		return StoreResult{}, err
	}
	pol := &policy{org: p.Org, defaultTLP: s.cfg.DefaultTLP, received: received}
	if pol.known, err = knownMarkings(ctx, deps.Store, Viewer{Org: p.Org, Tier: p.Tier}, bundle); err != nil {
		return StoreResult{}, err
	}
	ns := &NewSubmission{
		Submission: Submission{Org: p.Org, Received: received, BundleID: bundle.ID},
		// StoredObject is large: growing the slice by appends would copy
		// every object several times.
		Objects: make([]StoredObject, 0, len(bundle.Objects)),
	}
	seen := make(map[[2]string]bool, len(bundle.Objects))
	var problems []ProblemItem
	for i, o := range bundle.Objects {
		if skip[i] {
			continue
		}
		so, probs := pol.storable(i, o, patterns[i], verified[i])
		problems = append(problems, probs...)
		if k := [2]string{so.ID, so.Modified}; !seen[k] {
			// Validation guarantees repeats within a bundle are identical.
			seen[k] = true
			ns.Objects = append(ns.Objects, so)
		}
	}
	if len(problems) > 0 {
		return StoreResult{}, policyProblem(problems)
	}
	if len(ns.Objects) == 0 {
		return StoreResult{}, NewProblem(http.StatusUnprocessableEntity, CodeInvalidObject,
			"the bundle holds no object to store (predefined TLP marking definitions are never stored)")
	}
	if ns.ID, err = newSubmissionID(); err != nil {
		return StoreResult{}, err
	}
	ns.Digest = submissionDigest(ns.Objects)
	if ns.Receipt, err = signReceipt(deps.Receipts, newReceiptPayload(&ns.Submission, ns.Objects)); err != nil {
		return StoreResult{}, err
	}
	res, err := deps.Store.StoreSubmission(ctx, ns)
	if err != nil {
		return StoreResult{}, storeProblem(err, bundle)
	}
	return res, nil
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

// decodeProblem maps a *stix.DecodeError to 400 invalid_json or 413.
func decodeProblem(err error) *Problem {
	var de *stix.DecodeError
	if !errors.As(err, &de) {
		return NewProblem(http.StatusBadRequest, CodeInvalidJSON, "the body is not a JSON bundle")
	}
	if de.TooLarge {
		p := NewProblem(http.StatusRequestEntityTooLarge, CodeTooLarge, de.Msg)
		p.Errors = []ProblemItem{{Pointer: de.Pointer, Message: de.Msg}}
		return p
	}
	p := NewProblem(http.StatusBadRequest, CodeInvalidJSON, de.Msg)
	p.Errors = []ProblemItem{{Pointer: de.Pointer, Message: de.Msg + " (offset " + strconv.Itoa(de.Offset) + ")"}}
	return p
}

// validationProblem is the 422 answer listing every validation problem.
func validationProblem(probs []stix.Problem) *Problem {
	code := CodeInvalidPattern
	items := make([]ProblemItem, len(probs))
	for i, pr := range probs {
		items[i] = ProblemItem{Object: pr.Object, Pointer: pr.Pointer, Message: pr.Message}
		if pr.Code != stix.CodeInvalidPattern {
			code = CodeInvalidObject
		}
	}
	p := NewProblem(http.StatusUnprocessableEntity, code, strconv.Itoa(len(probs))+" problem(s) in the bundle")
	p.Errors = items
	return p
}

// verifyAll checks the signature of every object not skipped with the
// org's keys as they are now (loaded once for the request), spreading the
// work over GOMAXPROCS goroutines. Any bad signature makes the answer 400
// invalid_signature listing every failing object; otherwise any signer
// mismatch makes it 403 signer_mismatch. A store failure is returned as is.
func (s *Server) verifyAll(ctx context.Context, keys auth.KeySource, org string, b *stix.Bundle, skip []bool, at time.Time) ([]auth.Verified, error) {
	v, err := auth.NewVerifier(ctx, keys, org, at)
	if err != nil {
		return nil, err
	}
	n := len(b.Objects)
	out := make([]auth.Verified, n)
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), (n+minVerifyBatch-1)/minVerifyBatch)
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			if !skip[i] {
				out[i], errs[i] = v.Verify(ctx, b.Objects[i].Raw)
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); work() }()
	}
	work()
	wg.Wait()
	var invalid, mismatch []ProblemItem
	for i, err := range errs {
		if err == nil {
			continue
		}
		item := ProblemItem{Object: b.Objects[i].ID, Pointer: "/objects/" + strconv.Itoa(i), Message: err.Error()}
		switch {
		case errors.Is(err, auth.ErrInvalidSignature):
			item.Pointer += "/extensions/" + auth.ExtensionID + "/signature"
			invalid = append(invalid, item)
		case errors.Is(err, auth.ErrSignerMismatch):
			item.Pointer += "/created_by_ref"
			mismatch = append(mismatch, item)
		default:
			return nil, fmt.Errorf("verify %s: %w", b.Objects[i].ID, err)
		}
	}
	switch {
	case len(invalid) > 0:
		p := NewProblem(http.StatusBadRequest, CodeInvalidSignature, strconv.Itoa(len(invalid))+" object(s) without a valid signature by a key of "+org)
		p.Errors = invalid
		return nil, p
	case len(mismatch) > 0:
		p := NewProblem(http.StatusForbidden, CodeSignerMismatch, strconv.Itoa(len(mismatch))+" object(s) not signed as "+org)
		p.Errors = mismatch
		return nil, p
	}
	return out, nil
}

// knownMarkings returns the marking-definition ids an object of b may
// reference without counting as unknown: those defined in b and those
// already stored.
func knownMarkings(ctx context.Context, store SubmissionStore, v Viewer, b *stix.Bundle) (map[string]bool, error) {
	known := map[string]bool{}
	for _, o := range b.Objects {
		if o.Type == "marking-definition" {
			known[o.ID] = true
		}
	}
	var ask []string
	asked := map[string]bool{}
	for _, o := range b.Objects {
		for _, ref := range o.MarkingRefs {
			if _, tlp := stix.MarkingTLP(ref); tlp || known[ref] || asked[ref] {
				continue
			}
			asked[ref] = true
			ask = append(ask, ref)
		}
	}
	if len(ask) == 0 {
		return known, nil
	}
	stored, err := store.KnownMarkings(ctx, v, ask)
	if err != nil {
		return nil, fmt.Errorf("look up markings: %w", err)
	}
	for _, id := range stored {
		known[id] = true
	}
	return known, nil
}

// storeProblem maps a store refusal to its answer, naming the object.
func storeProblem(err error, b *stix.Bundle) error {
	var ve *VersionError
	if !errors.As(err, &ve) {
		return err
	}
	item := ProblemItem{Object: ve.ID, Message: ve.Error()}
	for i, o := range b.Objects {
		if o.ID == ve.ID {
			item.Pointer = "/objects/" + strconv.Itoa(i)
			break
		}
	}
	var p *Problem
	switch {
	case errors.Is(err, ErrConflict):
		p = NewProblem(http.StatusConflict, CodeConflict, "a stored version has the same id and modified but different content")
	case errors.Is(err, ErrNotCreator):
		p = NewProblem(http.StatusForbidden, CodeForbidden, "only the creating org may add versions of an object")
	default:
		return err
	}
	p.Errors = []ProblemItem{item}
	return p
}
