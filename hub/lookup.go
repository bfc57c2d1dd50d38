package hub

import (
	"context"
	"fmt"

	"github.com/jag-hub/jag/stix/pattern"
)

// MaxLookupValues bounds the values of one POST /v1/lookup.
const MaxLookupValues = 10000

// MaxLookupMatches bounds the matches one lookup request returns in total;
// beyond it the answer says "truncated" rather than growing without bound.
const MaxLookupMatches = 100000

// Probe is one lookup value, classified and normalised as pattern
// extraction normalises indexed observables, and expanded into what the
// observable index is asked: exact (kind, value) pairs, and for addresses
// and CIDRs the network whose containing networks match. The expansion
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
	// Net is the address or CIDR whose containing networks match (ipv4,
	// ipv6); "" for other kinds.
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
// matches it (pattern.Match): pattern.MatchExact, pattern.MatchCIDR or
// pattern.MatchParentDomain; false when it does not match at all.
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

// LookupMatch is one object that matches a looked-up value, and how.
type LookupMatch struct {
	How        string // pattern.MatchExact, pattern.MatchCIDR or pattern.MatchParentDomain
	Observable pattern.Observable
	Object     ObjectVersion
}

// LookupResult is the answer for one value: its kind, or Error when it is
// not recognised, and one match per object (the best way it matches).
type LookupResult struct {
	Value   string
	Kind    string
	Error   string
	Matches []LookupMatch
}

// Lookup answers values for v: one result per value, in order. A value
// NewProbe refuses gets Error rather than failing the batch. truncated
// reports that more than MaxLookupMatches matches were found and the rest
// dropped. At most MaxLookupValues values (CodeTooLarge).
func (s *QueryService) Lookup(ctx context.Context, v Viewer, values []string) (results []LookupResult, truncated bool, err error) {
	if len(values) > MaxLookupValues {
		return nil, false, Errorf(CodeTooLarge, "at most %d values per lookup", MaxLookupValues)
	}
	if s.store == nil {
		return nil, false, fmt.Errorf("lookup: %w: no query store configured", ErrUnavailable)
	}
	probes := make([]Probe, len(values))
	ok := make([]bool, len(values))
	var asked []Probe
	var index []int // asked[i] is probes[index[i]]
	for i, val := range values {
		probes[i], ok[i] = NewProbe(val)
		if ok[i] {
			asked = append(asked, probes[i])
			index = append(index, i)
		}
	}
	var hits []LookupHit
	if len(asked) > 0 {
		hits, err = s.store.Lookup(ctx, v, asked, MaxLookupMatches+1)
		if err != nil {
			return nil, false, fmt.Errorf("lookup: %w", err)
		}
	}
	truncated = len(hits) > MaxLookupMatches
	if truncated {
		hits = hits[:MaxLookupMatches]
	}
	results = make([]LookupResult, len(values))
	for i, val := range values {
		results[i].Value = val
		if ok[i] {
			results[i].Kind = probes[i].Kind
		} else {
			results[i].Error = ErrUnrecognised
		}
	}
	type key struct {
		probe int
		id    string
	}
	best := map[key]int{} // → position in the result's matches
	rank := map[string]int{pattern.MatchExact: 0, pattern.MatchCIDR: 1, pattern.MatchParentDomain: 2}
	ranks := map[key]int{}
	for _, h := range hits {
		pi := index[h.Probe]
		how, matched := probes[pi].Match(h.Observable)
		if !matched {
			// the store's candidates are a superset at most; the rule decides
			continue
		}
		m := LookupMatch{How: how, Observable: h.Observable, Object: h.Object}
		k := key{pi, h.Object.ID}
		if at, seen := best[k]; seen {
			if rank[how] < ranks[k] {
				results[pi].Matches[at], ranks[k] = m, rank[how]
			}
			continue
		}
		best[k], ranks[k] = len(results[pi].Matches), rank[how]
		results[pi].Matches = append(results[pi].Matches, m)
	}
	return results, truncated, nil
}
