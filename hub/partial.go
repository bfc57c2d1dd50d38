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
	"github.com/jag-hub/jag/stix/pattern"
)

// IngestEnvelope is ingest in partial mode, for TAXII envelopes: the same
// checks as Submit (strict decoding, STIX validation, signatures by a key
// of the token's org, the submission policy, versioning, idempotency,
// receipts, events) applied object by object. The objects that pass are
// stored in one transaction with one receipt; each one that fails is
// reported with the code Submit would have refused it with. An exact
// duplicate of a stored version is a success. admit, when non-nil, is the
// filter of the collection written to: an object outside it fails with
// CodeForbidden rather than being stored where the collection would never
// show it. It returns one outcome per object, in order; an error means
// nothing was stored (the store or the key registry failed).
func (s *IngestService) IngestEnvelope(ctx context.Context, p *auth.Principal, objects []json.RawMessage, admit *CollectionFilter) (PartialResult, error) {
	out := IngestOutcome{Objects: len(objects)}
	for _, o := range objects {
		out.Bytes += len(o)
	}
	res, err := s.ingestEnvelope(ctx, p, objects, admit, &out)
	if s.metrics == nil {
		return res, err
	}
	switch {
	case err == nil && res.Submission != nil:
		out.Stored, out.Duplicates = res.Submission.Accepted, res.Submission.Duplicates
	case err == nil:
		// Nothing new was stored: counted under the first refusal, if any.
		for _, o := range res.Outcomes {
			if o.Code != "" {
				out.Code = o.Code
				break
			}
		}
	case err != nil:
		out.Code = outcomeCode(err)
	}
	s.metrics.Submitted(out)
	return res, err
}

func (s *IngestService) ingestEnvelope(ctx context.Context, p *auth.Principal, objects []json.RawMessage, admit *CollectionFilter, out *IngestOutcome) (PartialResult, error) {
	if s.store == nil || s.receipts == nil {
		return PartialResult{}, fmt.Errorf("ingest envelope: ingest is not configured: %w", ErrUnavailable)
	}
	if p == nil || p.Org == "" {
		return PartialResult{}, Errorf(CodeForbidden, "the token names no participant org")
	}
	received := s.now().UTC().Truncate(time.Microsecond)
	res := PartialResult{Outcomes: make([]ObjectOutcome, len(objects))}
	cands := make([]candidate, len(objects))
	fail := func(i int, code, msg string) {
		res.Outcomes[i].Code, res.Outcomes[i].Message = code, msg
		cands[i].skip = true
	}
	decodeEach(objects, int(s.cfg.MaxBytes), cands, res.Outcomes, fail)
	start := time.Now()
	err := verifyEach(ctx, s.store, p.Org, received, cands, fail)
	out.Verify = time.Since(start)
	if err != nil {
		return PartialResult{}, err
	}
	pol := &policy{org: p.Org, defaultTLP: s.cfg.DefaultTLP, received: received}
	var passing []*stix.Object
	for i := range cands {
		if !cands[i].skip && cands[i].dupOf < 0 {
			passing = append(passing, cands[i].obj)
		}
	}
	if pol.known, err = knownMarkings(ctx, s.store, Viewer{Org: p.Org, Tier: p.Tier}, &stix.Bundle{Objects: passing}); err != nil {
		return PartialResult{}, err
	}
	for i := range cands {
		c := &cands[i]
		if c.skip || c.dupOf >= 0 || stix.IsPredefinedTLPMarking(c.obj) {
			continue
		}
		so, probs := pol.storable(i, c.obj, c.pattern, c.verified)
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
	sub, err := storeEach(ctx, s.store, s.receipts, p.Org, received, cands, fail)
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

// envelopeBundleID names the one-object bundles envelope objects are
// validated in.
const envelopeBundleID = "bundle--00000000-0000-4000-8000-000000000000"

// candidate is one envelope object on its way through the checks.
type candidate struct {
	obj      *stix.Object
	pattern  *pattern.Pattern // the parse of its STIX pattern, if any
	verified auth.Verified
	stored   StoredObject
	dupOf    int // index of an identical earlier object, -1 if none
	skip     bool
}

// maxOutcomeProblems bounds the findings quoted in one outcome message.
const maxOutcomeProblems = 5

// decodeEach decodes and validates each object on its own, and links exact
// repeats of an earlier object (same id and version) to it; a repeat with
// other content fails with conflict.
func decodeEach(objects []json.RawMessage, maxBytes int, cands []candidate, out []ObjectOutcome, fail func(int, string, string)) {
	lim := stix.Limits{MaxBytes: maxBytes}
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
		// A bundle built by hand around the one object: Validate checks
		// the object's rules (its pointers start /objects/0).
		patterns, probs := stix.Validate(&stix.Bundle{ID: envelopeBundleID, Objects: []*stix.Object{o}})
		cands[i].pattern = patterns[0]
		if len(probs) > 0 {
			code := CodeInvalidPattern
			for _, pr := range probs {
				if pr.Code != stix.CodeInvalidPattern {
					code = CodeInvalidObject
				}
			}
			items := make([]Item, len(probs))
			for j, pr := range probs {
				items[j] = Item{Pointer: strings.TrimPrefix(pr.Pointer, "/objects/0"), Message: pr.Message}
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

// verifyEach checks the signature of every object still in the running
// (predefined TLP marking definitions need none) with the org's keys as
// they are now.
func verifyEach(ctx context.Context, keys auth.KeySource, org string, at time.Time, cands []candidate, fail func(int, string, string)) error {
	v, err := auth.NewVerifier(ctx, keys, org, at)
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

// storeEach writes the versions that passed in one transaction. A version the
// store refuses (different content under a stored id and version, or an
// object another org created) fails with conflict or forbidden, and the
// rest is stored without it: one attempt per refusal at most.
func storeEach(ctx context.Context, store SubmissionStore, receipts ReceiptSigner, org string, received time.Time, cands []candidate, fail func(int, string, string)) (*Submission, error) {
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
		if ns.Receipt, err = signReceipt(receipts, newReceiptPayload(&ns.Submission, ns.Objects)); err != nil {
			return nil, err
		}
		res, err := store.StoreSubmission(ctx, ns)
		var ve *VersionError
		if !errors.As(err, &ve) {
			if err != nil {
				return nil, err
			}
			return &res.Submission, nil
		}
		const code = CodeConflict
		refused := false
		for i := range cands {
			c := &cands[i]
			if !c.skip && c.dupOf < 0 && c.stored.ID == ve.ID && (ve.Modified == "" || ve.Modified == c.stored.Modified) {
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
func problemText(items []Item) string {
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
