package hub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/jag-hub/jag/stix/pattern"
)

// MaxLookupValues bounds the values of one POST /v1/lookup.
const MaxLookupValues = 10000

// MaxLookupMatches bounds the matches one lookup page returns; the byte
// budget (QueryService.WithResponseBudget) usually ends a page first.
const MaxLookupMatches = 100000

// Probe is one lookup value, classified and normalised as pattern
// extraction normalises indexed observables, and expanded into what the
// observable index is asked: exact (kind, value) pairs, and for addresses
// and CIDRs the network that overlapping networks match (those containing
// it and those inside it). The expansion
// follows pattern.Match, which decides how each hit matches.
type Probe struct {
	Value string // as the caller gave it
	Kind  string // classified kind: ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512
	Norm  string // normalised value
	// Kinds are the observable kinds compared with Values: a hex digest's
	// length fits more than one algorithm (SHA-256 and SHA3-256).
	Kinds []string
	// Values are Norm and, for a domain, its parent domains.
	Values []string
	// Net is the address or CIDR whose containing and contained networks
	// and addresses match (ipv4, ipv6); "" for other kinds.
	Net string
}

// NewProbe classifies value (pattern.Classify) and expands it; false when
// it is not an IP address, CIDR, domain, URL, e-mail address or hash, or
// not text the database can hold (see StorableText).
func NewProbe(value string) (Probe, bool) {
	if !StorableText(value) {
		return Probe{}, false // no stored observable can equal it
	}
	o, ok := pattern.Classify(value)
	if !ok {
		return Probe{}, false
	}
	p := Probe{Value: value, Kind: o.Kind, Norm: o.Value, Kinds: []string{o.Kind}, Values: []string{o.Value}}
	switch o.Kind {
	case "ipv4", "ipv6":
		p.Net = o.Value
	case "domain":
		p.Values = append(p.Values, pattern.ParentDomains(o.Value)...)
	default:
		if kinds := pattern.HashKinds(o.Kind); kinds != nil {
			p.Kinds = kinds
		}
	}
	return p, true
}

// Match says how an indexed observable that the store returned for p
// matches it (pattern.Match, the one rule lookups and the feed's
// watchlists share): pattern.MatchExact, pattern.MatchCIDR,
// pattern.MatchContains or pattern.MatchParentDomain; false when it does
// not match at all.
func (p Probe) Match(indexed pattern.Observable) (how string, ok bool) {
	return pattern.Match(pattern.Observable{Kind: p.Kind, Value: p.Norm}, indexed)
}

// LookupHit is one indexed observable that matches probe number Probe, and
// the object version that names it. The store returns only the latest
// version of each object the viewer may see, and only when that version
// names the observable.
type LookupHit struct {
	Probe      int
	Observable pattern.Observable
	Object     ObjectVersion
}

// ErrUnrecognised is the per-value error of a value NewProbe refuses.
const ErrUnrecognised = "not an IP address, CIDR, domain, URL, e-mail address or hash"

// LookupMatch is one object that matches a looked-up value, and how. Its
// Object carries no raw bytes: the answer lists each object once
// (LookupAnswer.Objects).
type LookupMatch struct {
	How        string // pattern.MatchExact, pattern.MatchCIDR, pattern.MatchContains or pattern.MatchParentDomain
	Observable pattern.Observable
	Object     ObjectVersion
}

// LookupResult is the answer for one value: its kind, or Error when it is
// not recognised, and one match per object — per lineage, each org's copy
// of an id apart — (the best way it matches).
type LookupResult struct {
	Value   string
	Kind    string
	Error   string
	Matches []LookupMatch
}

// LookupAfter is where a lookup page resumes: after the object ID of
// lineage Creator among the matches of value number Value (ID "" starts
// at that value's first match). Clients see it only as an opaque cursor
// (Encode).
type LookupAfter struct {
	Value   int
	ID      string
	Creator string
}

// lookupCursorVersion tags the opaque encoding of LookupAfter.
const lookupCursorVersion = 1

type wireLookupCursor struct {
	V int    `json:"v"`
	P int    `json:"p"`
	I string `json:"i"`
	C string `json:"c"`
}

// Encode returns the opaque form of a.
func (a LookupAfter) Encode() string {
	b, _ := json.Marshal(wireLookupCursor{V: lookupCursorVersion, P: a.Value, I: a.ID, C: a.Creator})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseLookupCursor decodes a cursor made by LookupAfter.Encode; anything
// else wraps ErrBadCursor.
func ParseLookupCursor(s string) (LookupAfter, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return LookupAfter{}, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	var w wireLookupCursor
	if err := json.Unmarshal(b, &w); err != nil {
		return LookupAfter{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	if w.V != lookupCursorVersion || w.P < 0 || w.P >= MaxLookupValues || !StorableText(w.I) || !StorableText(w.C) {
		return LookupAfter{}, fmt.Errorf("%w: unknown version or out of range", ErrBadCursor)
	}
	return LookupAfter{Value: w.P, ID: w.I, Creator: w.C}, nil
}

// LookupAnswer is one page of a lookup.
type LookupAnswer struct {
	// First is the index (in the values asked) of Results[0]: the
	// cursor's value, or 0.
	First int
	// Results are the values from First on, in order, up to the value
	// the page ends in.
	Results []LookupResult
	// Objects holds every object the matches name, once each (one per
	// lineage: id and creator), with its raw bytes, in the order first
	// named.
	Objects []ObjectVersion
	// Next is where the next page starts (the same values asked again
	// with it); nil when the answer is complete.
	Next *LookupAfter
}

// Lookup answers values for v from after on (nil: from the first): one
// result per value, in order, until the page's byte budget or
// MaxLookupMatches ends it. A value NewProbe refuses gets Error rather
// than failing the batch. At most MaxLookupValues values (CodeTooLarge).
//
// The page's size is the match metadata plus, when objects is set, each
// matched object's raw bytes once: it stops before the match that would
// take it past the budget (a page always holds at least one match), so a
// page's memory and size are bounded whatever the objects' sizes and
// however many values name the same object. Without objects no raw bytes
// are read at all and a page holds tens of thousands of matches.
func (s *QueryService) Lookup(ctx context.Context, v Viewer, values []string, after *LookupAfter, objects bool) (LookupAnswer, error) {
	if len(values) > MaxLookupValues {
		return LookupAnswer{}, Errorf(CodeTooLarge, "at most %d values per lookup", MaxLookupValues)
	}
	if s.store == nil {
		return LookupAnswer{}, fmt.Errorf("lookup: %w: no query store configured", ErrUnavailable)
	}
	first := 0
	if after != nil {
		if after.Value >= len(values) {
			return LookupAnswer{}, Errorf(CodeBadRequest, "the cursor does not belong to these values")
		}
		first = after.Value
	}
	probes := make([]Probe, len(values))
	ok := make([]bool, len(values))
	var asked []Probe
	var index []int // asked[i] is probes[index[i]]
	storeAfter := LookupAfter{Value: -1}
	for i, val := range values {
		if i < first {
			continue
		}
		probes[i], ok[i] = NewProbe(val)
		if ok[i] {
			if i == first && after != nil && after.ID != "" {
				storeAfter = LookupAfter{Value: len(asked), ID: after.ID, Creator: after.Creator}
			}
			asked = append(asked, probes[i])
			index = append(index, i)
		}
	}
	var hits []LookupHit
	if len(asked) > 0 {
		var err error
		rawBytes := s.maxBytes
		if !objects {
			rawBytes = 0 // no row carries its raw
		}
		hits, err = s.store.Lookup(ctx, v, asked, storeAfter.store(), MaxLookupMatches+1, rawBytes)
		if err != nil {
			return LookupAnswer{}, fmt.Errorf("lookup: %w", err)
		}
	}
	ans := LookupAnswer{First: first}
	last := len(values) - 1 // the last value of the page
	more := len(hits) > MaxLookupMatches
	if more {
		hits = hits[:MaxLookupMatches]
	}
	type pair struct {
		value       int
		id, creator string // one match per lineage (migration 0080)
	}
	var cur pair
	pairs := 0
	size := int64(0)
	seen := map[string]bool{}
	matches := map[int][]LookupMatch{}
	rank := map[string]int{pattern.MatchExact: 0, pattern.MatchCIDR: 1, pattern.MatchContains: 2, pattern.MatchParentDomain: 3}
	for _, h := range hits {
		pi := index[h.Probe]
		how, matched := probes[pi].Match(h.Observable)
		if !matched {
			// the store's candidates are a superset at most; the rule decides
			continue
		}
		m := LookupMatch{How: how, Observable: h.Observable, Object: h.Object}
		m.Object.Raw = nil
		p := pair{pi, h.Object.ID, h.Object.CreatedBy}
		obj := h.Object.ID + " " + h.Object.CreatedBy
		if pairs > 0 && p == cur {
			if at := len(matches[pi]) - 1; rank[how] < rank[matches[pi][at].How] {
				matches[pi][at] = m
			}
			continue
		}
		cost := matchSize(m)
		if objects && !seen[obj] {
			cost += int64(len(h.Object.Raw))
		}
		if pairs > 0 && (size+cost > s.maxBytes || (objects && h.Object.Raw == nil && !seen[obj])) {
			more = true
			break
		}
		if objects && !seen[obj] {
			seen[obj] = true
			ans.Objects = append(ans.Objects, h.Object)
		}
		size += cost
		cur, pairs = p, pairs+1
		matches[pi] = append(matches[pi], m)
	}
	if more && pairs > 0 {
		ans.Next = &LookupAfter{Value: cur.value, ID: cur.id, Creator: cur.creator}
		last = cur.value
	}
	for i := first; i <= last; i++ {
		r := LookupResult{Value: values[i], Matches: matches[i]}
		if ok[i] {
			r.Kind = probes[i].Kind
		} else {
			r.Error = ErrUnrecognised
		}
		ans.Results = append(ans.Results, r)
	}
	return ans, nil
}

// store is a's form for QueryStore.Lookup, whose zero value starts at the
// first probe: Value -1 (no cursor within the asked probes) becomes it.
func (a LookupAfter) store() LookupAfter {
	if a.Value < 0 {
		return LookupAfter{}
	}
	return a
}

// matchSize is about the bytes one match's metadata takes in an answer.
func matchSize(m LookupMatch) int64 {
	o := m.Observable
	return int64(200 + 2*(len(o.Kind)+len(o.Value)+len(o.Path)+len(o.Op)) +
		2*(len(m.Object.ID)+len(m.Object.CreatedBy)) + len(m.Object.Modified) + len(m.Object.Type))
}
