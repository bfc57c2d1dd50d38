package hub

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// IngestConfig is the ingest behaviour operators choose.
type IngestConfig struct {
	// MaxBytes bounds a bundle (default 16 MiB); the decoder refuses a
	// larger one with CodeTooLarge.
	MaxBytes int64
	// DefaultTLP applies to objects that carry no TLP marking (default amber).
	DefaultTLP stix.TLP
}

// IngestService runs the submission pipeline for every channel: decode →
// validate → verify signatures → policy → store, then receipts.
type IngestService struct {
	cfg      IngestConfig
	store    IngestStore
	receipts ReceiptSigner
	now      func() time.Time
	metrics  IngestObserver
}

// IngestObserver receives what ingest measures (the metrics adapter
// implements it; nil observes nothing). It is called once per Submit.
type IngestObserver interface {
	Submitted(IngestOutcome)
}

// IngestOutcome is what one Submit measured. It names nothing of the
// bundle's content: counts, sizes, a duration and a stable code.
type IngestOutcome struct {
	// Code is "" for an accepted (or replayed) bundle, else the refusal's
	// code (CodeUnavailable for outages, CodeInternal for failures).
	Code string
	// Objects is the number of objects decoded (0 when decoding failed).
	Objects int
	// Stored and Duplicates are the new and already stored versions of
	// an accepted bundle; Replayed is set for an idempotent retry (then
	// both are 0).
	Stored, Duplicates int
	Replayed           bool
	// Bytes is the size of the body.
	Bytes int
	// Verify is the time spent verifying signatures (0 if not reached).
	Verify time.Duration
}

// NewIngestService returns the ingest service over store, signing receipts
// with receipts. now nil means time.Now; obs may be nil.
func NewIngestService(cfg IngestConfig, store IngestStore, receipts ReceiptSigner, now func() time.Time, obs IngestObserver) *IngestService {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 16 << 20
	}
	if cfg.DefaultTLP == "" {
		cfg.DefaultTLP = stix.TLPAmber
	}
	if now == nil {
		now = time.Now
	}
	return &IngestService{cfg: cfg, store: store, receipts: receipts, now: now, metrics: obs}
}

// minVerifyBatch is the number of signatures below which verification
// stays on the calling goroutine: a goroutine per few objects costs more
// than it saves.
const minVerifyBatch = 64

// Submit ingests one bundle for principal p (who was authenticated with
// scope submit by the channel).
//
// Order of checks, each answered before the next starts: the principal
// names an org (CodeForbidden), decoding (CodeInvalidJSON, CodeTooLarge),
// STIX validation (CodeInvalidObject listing every problem; CodeInvalidPattern
// when all of them are pattern problems), signatures (CodeInvalidSignature,
// then CodeSignerMismatch), reserved ids (reserved.go; CodeForbidden), the
// policy (policy.go; CodeInvalidObject), then one transaction
// (CodeConflict or ErrUnavailable). Only the org's own versions and public
// facts (registered participants) decide any of these answers.
// StoreResult.Replayed is set when nothing new was stored because the same
// org already submitted the same content: the result is that submission's
// record. A bundle whose versions were all stored by other submissions is
// recorded as a no-op submission (Accepted 0) whose receipt then answers
// its own retries.
func (s *IngestService) Submit(ctx context.Context, p *auth.Principal, body []byte) (StoreResult, error) {
	out := IngestOutcome{Bytes: len(body)}
	res, err := s.submit(ctx, p, body, &out)
	if s.metrics == nil {
		return res, err
	}
	switch {
	case err == nil && res.Replayed:
		out.Replayed = true
	case err == nil:
		out.Stored, out.Duplicates = res.Submission.Accepted, res.Submission.Duplicates
	default:
		out.Code = outcomeCode(err)
	}
	s.metrics.Submitted(out)
	return res, err
}

// outcomeCode is the metrics code of a failed ingest: the code of a typed
// error, unavailable for an outage or a request given up, else internal.
func outcomeCode(err error) string {
	var he *Error
	switch {
	case errors.As(err, &he):
		return he.Code
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return CodeUnavailable
	}
	return CodeInternal
}

func (s *IngestService) submit(ctx context.Context, p *auth.Principal, body []byte, out *IngestOutcome) (StoreResult, error) {
	if s.store == nil || s.receipts == nil {
		return StoreResult{}, fmt.Errorf("submit bundle: ingest is not configured: %w", ErrUnavailable)
	}
	if p == nil || p.Org == "" {
		return StoreResult{}, Errorf(CodeForbidden, "the token names no participant org")
	}
	bundle, err := stix.DecodeBundle(body, stix.Limits{MaxBytes: int(s.cfg.MaxBytes)})
	if err != nil {
		return StoreResult{}, decodeError(err)
	}
	out.Objects = len(bundle.Objects)
	patterns, probs := stix.Validate(bundle)
	if len(probs) > 0 {
		return StoreResult{}, validationError(probs)
	}
	// Microseconds: what PostgreSQL keeps, so the receipt, this answer and
	// every later read of the submission name the same instant.
	received := s.now().UTC().Truncate(time.Microsecond)
	skip := make([]bool, len(bundle.Objects))
	for i, o := range bundle.Objects {
		skip[i] = stix.IsPredefinedTLPMarking(o)
	}
	start := time.Now()
	verified, err := verifyAll(ctx, s.store, p.Org, bundle, skip, received)
	out.Verify = time.Since(start)
	if err != nil {
		return StoreResult{}, err
	}
	reserved, err := reservedIDs(ctx, s.store, p.Org, bundle, skip)
	if err != nil {
		return StoreResult{}, err
	}
	if len(reserved) > 0 {
		return StoreResult{}, &Error{Code: CodeForbidden, Items: reserved,
			Detail: strconv.Itoa(len(reserved)) + " object(s) with an id reserved to the hub or to another participant"}
	}
	pol := &policy{org: p.Org, defaultTLP: s.cfg.DefaultTLP, received: received}
	if pol.known, err = knownMarkings(ctx, s.store, Viewer{Org: p.Org, Tier: p.Tier}, bundle); err != nil {
		return StoreResult{}, err
	}
	ns := &NewSubmission{
		Submission: Submission{Org: p.Org, Received: received, BundleID: bundle.ID},
		// StoredObject is large: growing the slice by appends would copy
		// every object several times.
		Objects: make([]StoredObject, 0, len(bundle.Objects)),
	}
	seen := make(map[[2]string]bool, len(bundle.Objects))
	var problems []Item
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
		return StoreResult{}, &Error{Code: CodeInvalidObject, Detail: "the bundle breaks the submission policy", Items: problems}
	}
	if len(ns.Objects) == 0 {
		return StoreResult{}, Errorf(CodeInvalidObject,
			"the bundle holds no object to store (predefined TLP marking definitions are never stored)")
	}
	if ns.ID, err = newSubmissionID(); err != nil {
		return StoreResult{}, err
	}
	ns.Digest = submissionDigest(ns.Objects)
	if ns.Receipt, err = signReceipt(s.receipts, newReceiptPayload(&ns.Submission, ns.Objects)); err != nil {
		return StoreResult{}, err
	}
	res, err := s.store.StoreSubmission(ctx, ns)
	if err != nil {
		return StoreResult{}, storeError(err, bundle)
	}
	return res, nil
}

// Submission returns the submission id of p's own org (its receipt). A
// submission of another org, or one whose receipt lists a version p may
// not see (receipt_access.go), is answered exactly like a missing one
// (ErrNotFound). p needs scope submit or read.
func (s *IngestService) Submission(ctx context.Context, p *auth.Principal, id string) (Submission, error) {
	if !p.HasScope(auth.ScopeSubmit) && !p.HasScope(auth.ScopeRead) {
		return Submission{}, Errorf(CodeForbidden, "the token lacks scope submit or read")
	}
	switch {
	case s.store == nil:
		return Submission{}, fmt.Errorf("get submission: no store configured: %w", ErrUnavailable)
	case p.Org == "", !StorableText(id):
		return Submission{}, ErrNotFound // a token without an org has no submissions; no id holds such bytes
	}
	sub, err := s.store.Submission(ctx, p.Org, id)
	if err != nil {
		return Submission{}, err
	}
	ok, err := receiptReadable(ctx, s.store, ViewerOf(p), sub.Org, sub.Receipt)
	switch {
	case err != nil:
		return Submission{}, fmt.Errorf("get submission: %w", err)
	case !ok:
		return Submission{}, ErrNotFound // its receipt names versions p may not see
	}
	return sub, nil
}

// decodeError maps a *stix.DecodeError to CodeInvalidJSON or CodeTooLarge.
func decodeError(err error) *Error {
	var de *stix.DecodeError
	if !errors.As(err, &de) {
		return Errorf(CodeInvalidJSON, "the body is not a JSON bundle")
	}
	if de.TooLarge {
		return &Error{Code: CodeTooLarge, Detail: de.Msg, Items: []Item{{Pointer: de.Pointer, Message: de.Msg}}}
	}
	return &Error{Code: CodeInvalidJSON, Detail: de.Msg,
		Items: []Item{{Pointer: de.Pointer, Message: de.Msg + " (offset " + strconv.Itoa(de.Offset) + ")"}}}
}

// validationError lists every validation problem.
func validationError(probs []stix.Problem) *Error {
	code := CodeInvalidPattern
	items := make([]Item, len(probs))
	for i, pr := range probs {
		items[i] = Item{Object: pr.Object, Pointer: pr.Pointer, Message: pr.Message}
		if pr.Code != stix.CodeInvalidPattern {
			code = CodeInvalidObject
		}
	}
	return &Error{Code: code, Detail: strconv.Itoa(len(probs)) + " problem(s) in the bundle", Items: items}
}

// verifyAll checks the signature of every object not skipped with the
// org's keys as they are now (loaded once for the request), spreading the
// work over GOMAXPROCS goroutines. Any bad signature is CodeInvalidSignature
// listing every failing object; otherwise any signer mismatch is
// CodeSignerMismatch. A store failure is returned as is.
func verifyAll(ctx context.Context, keys auth.KeySource, org string, b *stix.Bundle, skip []bool, at time.Time) ([]auth.Verified, error) {
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
	var invalid, mismatch []Item
	for i, err := range errs {
		if err == nil {
			continue
		}
		item := Item{Object: b.Objects[i].ID, Pointer: "/objects/" + strconv.Itoa(i), Message: err.Error()}
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
		return nil, &Error{Code: CodeInvalidSignature, Items: invalid,
			Detail: strconv.Itoa(len(invalid)) + " object(s) without a valid signature by a key of " + org}
	case len(mismatch) > 0:
		return nil, &Error{Code: CodeSignerMismatch, Items: mismatch,
			Detail: strconv.Itoa(len(mismatch)) + " object(s) not signed as " + org}
	}
	return out, nil
}

// knownMarkings returns the marking-definition ids an object of b may
// reference without counting as unknown: those defined in b and those
// already stored that v may see.
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
		for _, ref := range stix.AllMarkingRefs(o) {
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

// storeError maps a store refusal to its typed error, naming the object.
func storeError(err error, b *stix.Bundle) error {
	var ve *VersionError
	if !errors.As(err, &ve) {
		return err
	}
	item := Item{Object: ve.ID, Message: ve.Error()}
	for i, o := range b.Objects {
		if o.ID == ve.ID {
			item.Pointer = "/objects/" + strconv.Itoa(i)
			break
		}
	}
	switch {
	case errors.Is(err, ErrConflict):
		return &Error{Code: CodeConflict, Detail: "a stored version has the same id and modified but different content", Items: []Item{item}}
	}
	return err
}
