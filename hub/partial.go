package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// PartialIngest is ingest in partial mode, for TAXII envelopes: the same
// checks as POST /v1/bundles (strict decoding, STIX validation,
// signatures by a key of the token's org, the submission policy,
// versioning, idempotency, receipts, events) applied object by object.
// The objects that pass are stored in one transaction with one receipt;
// each one that fails is reported with the problem code the REST API
// would have answered for it. An exact duplicate of a stored version is a
// success. It is safe for concurrent use.
type PartialIngest struct {
	Store    IngestStore
	Receipts ReceiptSigner
	// DefaultTLP applies to objects without a TLP marking (default amber).
	DefaultTLP stix.TLP
	// MaxObjectBytes bounds one object (default 16 MiB).
	MaxObjectBytes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// maxOutcomeProblems bounds the findings quoted in one outcome message.
const maxOutcomeProblems = 5

// candidate is one envelope object on its way through the checks.
type candidate struct {
	obj      *stix.Object
	verified auth.Verified
	stored   StoredObject
	dupOf    int // index of an identical earlier object, -1 if none
	skip     bool
}

// IngestEnvelope stores what passes of objects for principal p (which
// must name a participant org) and reports on every object in order.
// admit, when non-nil, is the filter of the collection written to: an
// object outside it fails with code forbidden rather than being stored
// where the collection would never show it. An error means nothing was
// stored (the store or the key registry failed).
func (pi *PartialIngest) IngestEnvelope(ctx context.Context, p *auth.Principal, objects []json.RawMessage, admit *CollectionFilter) (PartialResult, error) {
	if p == nil || p.Org == "" {
		return PartialResult{}, fmt.Errorf("%w: the token names no participant org", auth.ErrForbidden)
	}
	if pi.Store == nil || pi.Receipts == nil {
		return PartialResult{}, fmt.Errorf("ingest envelope: ingest is not configured: %w", ErrUnavailable)
	}
	now := pi.Now
	if now == nil {
		now = time.Now
	}
	received := now().UTC().Truncate(time.Microsecond)
	res := PartialResult{Outcomes: make([]ObjectOutcome, len(objects))}
	cands := make([]candidate, len(objects))
	fail := func(i int, code, msg string) {
		res.Outcomes[i].Code, res.Outcomes[i].Message = code, msg
		cands[i].skip = true
	}
	pi.decode(objects, cands, res.Outcomes, fail)
	if err := pi.verify(ctx, p.Org, received, cands, fail); err != nil {
		return PartialResult{}, err
	}
	pol := &policy{org: p.Org, defaultTLP: pi.DefaultTLP, received: received}
	if pol.defaultTLP == "" {
		pol.defaultTLP = stix.TLPAmber
	}
	var passing []*stix.Object
	for i := range cands {
		if !cands[i].skip && cands[i].dupOf < 0 {
			passing = append(passing, cands[i].obj)
		}
	}
	var err error
	if pol.known, err = knownMarkings(ctx, pi.Store, Viewer{Org: p.Org, Tier: p.Tier}, &stix.Bundle{Objects: passing}); err != nil {
		return PartialResult{}, err
	}
	for i := range cands {
		c := &cands[i]
		if c.skip || c.dupOf >= 0 || stix.IsPredefinedTLPMarking(c.obj) {
			continue
		}
		so, probs := pol.storable(i, c.obj, c.verified)
		if len(probs) > 0 {
			fail(i, CodeInvalidObject, problemText(probs))
			continue
		}
		if admit != nil && !admit.Admits(&so) {
			fail(i, CodeForbidden, "the object falls outside the collection's filter (type, labels, creator, TLP ceiling or confidence)")
			continue
		}
		c.stored = so
	}
	sub, err := pi.store(ctx, p.Org, received, cands, fail)
	if err != nil {
		return PartialResult{}, err
	}
	res.Submission = sub
	for i := range cands {
		c := &cands[i]
		if c.dupOf >= 0 && res.Outcomes[c.dupOf].Code != "" {
			res.Outcomes[i].Code, res.Outcomes[i].Message = res.Outcomes[c.dupOf].Code, res.Outcomes[c.dupOf].Message
		}
		res.Outcomes[i].Stored = res.Outcomes[i].Code == ""
	}
	return res, nil
}

// decode decodes and validates each object on its own, and links exact
// repeats of an earlier object (same id and version) to it; a repeat with
// other content fails with conflict.
func (pi *PartialIngest) decode(objects []json.RawMessage, cands []candidate, out []ObjectOutcome, fail func(int, string, string)) {
	lim := stix.Limits{MaxBytes: pi.MaxObjectBytes}
	first := map[[2]string]int{}
	for i, raw := range objects {
		cands[i].dupOf = -1
		o, err := stix.DecodeObject(raw, lim)
		if err != nil {
			code := CodeInvalidJSON
			if errors.Is(err, stix.ErrTooLarge) {
				code = CodeTooLarge
			}
			fail(i, code, err.Error())
			continue
		}
		cands[i].obj = o
		modified, _, _ := objectVersion(o, time.Time{})
		out[i].ID, out[i].Version = o.ID, modified
		if probs := stix.ValidateObject(o, ""); len(probs) > 0 {
			code := CodeInvalidPattern
			for _, pr := range probs {
				if pr.Code != stix.CodeInvalidPattern {
					code = CodeInvalidObject
				}
			}
			items := make([]ProblemItem, len(probs))
			for j, pr := range probs {
				items[j] = ProblemItem{Pointer: pr.Pointer, Message: pr.Message}
			}
			fail(i, code, problemText(items))
			continue
		}
		k := [2]string{o.ID, modified}
		if j, ok := first[k]; ok {
			if string(objects[j]) != string(raw) {
				fail(i, CodeConflict, "the envelope holds this id and version twice with different content")
				continue
			}
			cands[i].dupOf = j
			continue
		}
		first[k] = i
	}
}

// verify checks the signature of every object still in the running
// (predefined TLP marking definitions need none) with the org's keys as
// they are now.
func (pi *PartialIngest) verify(ctx context.Context, org string, at time.Time, cands []candidate, fail func(int, string, string)) error {
	v, err := auth.NewVerifier(ctx, pi.Store, org, at)
	if err != nil {
		return err
	}
	for i := range cands {
		c := &cands[i]
		if c.skip || c.dupOf >= 0 || stix.IsPredefinedTLPMarking(c.obj) {
			continue
		}
		c.verified, err = v.Verify(ctx, c.obj.Raw)
		switch {
		case err == nil:
		case errors.Is(err, auth.ErrInvalidSignature):
			fail(i, CodeInvalidSignature, err.Error())
		case errors.Is(err, auth.ErrSignerMismatch):
			fail(i, CodeSignerMismatch, err.Error())
		default:
			return fmt.Errorf("verify %s: %w", c.obj.ID, err)
		}
	}
	return nil
}

// store writes the versions that passed in one transaction. A version the
// store refuses (different content under a stored id and version, or an
// object another org created) fails with conflict or forbidden, and the
// rest is stored without it: one attempt per refusal at most.
func (pi *PartialIngest) store(ctx context.Context, org string, received time.Time, cands []candidate, fail func(int, string, string)) (*Submission, error) {
	for {
		ns := &NewSubmission{Submission: Submission{Org: org, Received: received}}
		for i := range cands {
			if c := &cands[i]; !c.skip && c.dupOf < 0 && c.stored.ID != "" {
				ns.Objects = append(ns.Objects, c.stored)
			}
		}
		if len(ns.Objects) == 0 {
			return nil, nil
		}
		var err error
		if ns.ID, err = newSubmissionID(); err != nil {
			return nil, err
		}
		ns.BundleID = "bundle--" + strings.TrimPrefix(ns.ID, "submission--")
		ns.Digest = submissionDigest(ns.Objects)
		if ns.Receipt, err = signReceipt(pi.Receipts, newReceiptPayload(&ns.Submission, ns.Objects)); err != nil {
			return nil, err
		}
		res, err := pi.Store.StoreSubmission(ctx, ns)
		var ve *VersionError
		if !errors.As(err, &ve) {
			if err != nil {
				return nil, err
			}
			return &res.Submission, nil
		}
		code := CodeConflict
		if errors.Is(err, ErrNotCreator) {
			code = CodeForbidden
		}
		refused := false
		for i := range cands {
			c := &cands[i]
			if !c.skip && c.dupOf < 0 && c.stored.ID == ve.ID && (ve.Modified == "" || ve.Modified == c.stored.Modified || code == CodeForbidden) {
				fail(i, code, ve.Error())
				refused = true
			}
		}
		if !refused {
			return nil, fmt.Errorf("store envelope: refusal of a version not submitted: %w", err)
		}
	}
}

// problemText renders findings as one message: "pointer: message; …".
func problemText(items []ProblemItem) string {
	var b strings.Builder
	for i, it := range items {
		if i == maxOutcomeProblems {
			b.WriteString("; and " + strconv.Itoa(len(items)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		if it.Pointer != "" {
			b.WriteString(it.Pointer + ": ")
		}
		b.WriteString(it.Message)
	}
	return b.String()
}
