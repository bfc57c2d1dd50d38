package hub

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
	"github.com/jag-hub/jag/stix/pattern"
)

// The submission policy (API.md sections 1-3), applied after decoding,
// validation and signature verification:
//
//   - every object except the predefined TLP marking definitions is signed
//     by a key of the token's org, and its created_by_ref is that org
//     (auth.Verifier enforces both);
//   - an object is its id and its creating org (migration 0080): versions
//     are checked against the submitting org's own versions only, never
//     against another org's use of the same id (so no answer depends on
//     objects the submitter cannot see); ids reserved to the hub or to a
//     registered participant's identity are refused (reserved.go);
//   - an object's TLP is the most restrictive of its TLP markings, object-level and granular; a
//     marking that is neither a TLP marking nor a marking definition in the
//     bundle or already stored is unknown and counts as RED; no TLP marking
//     at all gives the configured default;
//   - a TLP:RED object must name its recipients, and recipients are
//     identity ids;
//   - marking definitions the participant defines are stored as its own
//     objects; the predefined TLP marking definitions never are (they may
//     appear unsigned and are skipped).
//
// Unversioned objects (marking definitions, SCOs) have no modified: their
// version key is created, or for SCOs (whose id derives from their
// content) the empty string; see objectVersion.

// policy holds what the rules above need about one request.
type policy struct {
	org        string
	defaultTLP stix.TLP
	received   time.Time
	known      map[string]bool // marking-definition ids in the bundle or stored
}

// storable builds the stored version of bundle object i, whose STIX pattern
// validation parsed as pat, or reports why the policy refuses it.
func (pol *policy) storable(i int, o *stix.Object, pat *pattern.Pattern, v auth.Verified) (StoredObject, []Item) {
	modified, modifiedAt, createdAt := objectVersion(o, pol.received)
	so := StoredObject{
		ID:          o.ID,
		Modified:    modified,
		ModifiedAt:  modifiedAt,
		Type:        o.Type,
		CreatedAt:   createdAt,
		CreatedBy:   pol.org,
		TLP:         stix.EffectiveTLP(o, func(id string) bool { return pol.known[id] }, pol.defaultTLP),
		Recipients:  v.Recipients,
		Revoked:     o.Revoked,
		ValidFrom:   o.ValidFrom,
		ValidUntil:  o.ValidUntil,
		Confidence:  o.Confidence,
		Labels:      o.Labels,
		Name:        o.Name,
		Desc:        o.Description,
		Raw:         o.Raw,
		SHA256:      v.Digest,
		Signature:   v.Signature,
		KID:         v.KID,
		Observables: observablesOf(o, pat),
	}
	var problems []Item
	recipientsPtr := "/objects/" + strconv.Itoa(i) + "/extensions/" + auth.ExtensionID + "/recipients"
	if so.TLP == stix.TLPRed && len(so.Recipients) == 0 {
		problems = append(problems, Item{Object: o.ID, Pointer: recipientsPtr,
			Message: "a TLP:RED object (or one with an unknown marking) must name its recipients"})
	}
	for j, r := range so.Recipients {
		if typ, _, err := stix.ParseIdentifier(r); err != nil || typ != "identity" {
			problems = append(problems, Item{Object: o.ID, Pointer: recipientsPtr + "/" + strconv.Itoa(j),
				Message: "a recipient must be an identity id"})
		}
	}
	return so, problems
}

// objectVersion returns the version key and times of o. Versioned objects
// use modified; marking definitions (never versioned) use created; SCOs
// (no timestamps, content-derived ids) use "" and the receive time.
func objectVersion(o *stix.Object, received time.Time) (modified string, modifiedAt, createdAt time.Time) {
	modified = o.Modified
	if modified == "" {
		modified = o.Created
	}
	createdAt = o.CreatedAt
	if createdAt.IsZero() {
		createdAt = received
	}
	modifiedAt = o.ModifiedAt
	if modifiedAt.IsZero() {
		modifiedAt = createdAt
	}
	return modified, modifiedAt, createdAt
}

// observablesOf extracts the typed index rows of o: the values an
// indicator's STIX pattern p (as stix.Validate parsed it) references
// positively (pattern.Observables), or the value and hashes of a
// cyber-observable object.
func observablesOf(o *stix.Object, p *pattern.Pattern) []Observable {
	if o.Type == "indicator" {
		if p == nil {
			return nil // not a STIX pattern; a bad one was refused by validation
		}
		obs := p.Observables()
		out := make([]Observable, len(obs))
		for i, ob := range obs {
			out[i] = Observable{Kind: ob.Kind, Value: ob.Value, Path: ob.Path, Op: ob.Op}
		}
		return out
	}
	var out []Observable
	if kinds, ok := scoValueKinds[o.Type]; ok {
		var v string
		if json.Unmarshal(o.Props["value"], &v) == nil {
			if ob, ok := pattern.Classify(v); ok && strings.Contains(kinds, ob.Kind) {
				out = append(out, Observable{Kind: ob.Kind, Value: ob.Value, Path: o.Type + ":value", Op: "="})
			}
		}
	}
	if raw, ok := o.Props["hashes"]; ok {
		var hashes map[string]string
		if json.Unmarshal(raw, &hashes) == nil {
			for _, alg := range slices.Sorted(maps.Keys(hashes)) {
				v := hashes[alg]
				if ob, ok := pattern.ClassifyHash(alg, v); ok {
					out = append(out, Observable{Kind: ob.Kind, Value: ob.Value, Path: o.Type + ":hashes.'" + alg + "'", Op: "="})
				}
			}
		}
	}
	return out
}

// scoValueKinds are the SCO types whose "value" is indexed, with the
// observable kinds (space-separated) that value may classify as.
var scoValueKinds = map[string]string{
	"ipv4-addr":   "ipv4",
	"ipv6-addr":   "ipv6",
	"domain-name": "domain",
	"url":         "url",
	"email-addr":  "email",
}
