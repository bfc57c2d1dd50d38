package hub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/jag-hub/jag/stix/pattern"
)

// MaxLookupValues bounds the values of one POST /v1/lookup.
const MaxLookupValues = 10000

// maxLookupMatches bounds the matches one lookup request returns in total;
// beyond it the answer says "truncated" rather than growing without bound.
const maxLookupMatches = 100000

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
// not text the database can hold (see storableText).
func NewProbe(value string) (Probe, bool) {
	if !storableText(value) {
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

// lookupMatch is one match of a lookup answer (the object is spliced in
// as its original bytes).
type lookupMatch struct {
	Match      string          `json:"match"`
	Observable matchObservable `json:"observable"`
	ID         string          `json:"id"`
	Modified   string          `json:"modified"`
	Type       string          `json:"type"`
	CreatedBy  string          `json:"created_by"`
	Received   string          `json:"received"`
	Revoked    bool            `json:"revoked"`
}

// matchObservable is the indexed observable that matched.
type matchObservable struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Path  string `json:"path"`
	Op    string `json:"op"`
}

// lookupResult is the answer for one value.
type lookupResult struct {
	Value   string `json:"value"`
	Kind    string `json:"kind,omitempty"`
	Error   string `json:"error,omitempty"`
	Count   int    `json:"count"`
	matches [][]byte
}

// errUnrecognised is the per-value error of a value NewProbe refuses.
const errUnrecognised = "not an IP address, CIDR, domain, URL, e-mail address or hash"

// handleLookup answers GET /v1/lookup?value=V.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyParams(q, "value"); err != nil {
		fail(w, r, err)
		return
	}
	values := q["value"]
	if len(values) != 1 || strings.TrimSpace(values[0]) == "" {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "give exactly one value parameter"))
		return
	}
	p, ok := NewProbe(values[0])
	if !ok {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("value %q is %s", values[0], errUnrecognised)))
		return
	}
	results, truncated, err := s.lookup(r, []string{values[0]}, []Probe{p}, []bool{true})
	if err != nil {
		fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, encodeLookupResult(results[0], truncated))
}

// lookupRequest is the body of POST /v1/lookup.
type lookupRequest struct {
	Values []string `json:"values"`
}

// handleLookupBatch answers POST /v1/lookup {"values":[…]}: one result per
// value, in the order given. A value that is not recognised gets an error
// in its result rather than failing the whole batch.
func (s *Server) handleLookupBatch(w http.ResponseWriter, r *http.Request) {
	var req lookupRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if isMaxBytes(err) {
			fail(w, r, err)
			return
		}
		fail(w, r, NewProblem(http.StatusBadRequest, CodeInvalidJSON, "body must be {\"values\":[\"…\"]}"))
		return
	}
	if dec.More() {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeInvalidJSON, "trailing data after the JSON body"))
		return
	}
	if len(req.Values) == 0 {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "values is empty"))
		return
	}
	if len(req.Values) > MaxLookupValues {
		fail(w, r, NewProblem(http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("at most %d values per lookup", MaxLookupValues)))
		return
	}
	probes := make([]Probe, len(req.Values))
	ok := make([]bool, len(req.Values))
	for i, v := range req.Values {
		probes[i], ok[i] = NewProbe(v)
	}
	results, truncated, err := s.lookup(r, req.Values, probes, ok)
	if err != nil {
		fail(w, r, err)
		return
	}
	var b []byte
	b = append(b, `{"results":[`...)
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, encodeLookupResult(results[i], false)...)
	}
	b = append(b, ']')
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = append(b, "}\n"...)
	writeRawJSON(w, http.StatusOK, b)
}

// lookup asks the store for the recognised probes and groups the hits by
// value, one match per (value, object): the best way it matches wins
// (exact before cidr before parent_domain).
func (s *Server) lookup(r *http.Request, values []string, probes []Probe, ok []bool) ([]lookupResult, bool, error) {
	if s.deps.Queries == nil {
		return nil, false, fmt.Errorf("lookup: %w: no query store configured", ErrUnavailable)
	}
	var asked []Probe
	var index []int // asked[i] is probes[index[i]]
	for i, p := range probes {
		if ok[i] {
			asked = append(asked, p)
			index = append(index, i)
		}
	}
	var hits []LookupHit
	if len(asked) > 0 {
		var err error
		hits, err = s.deps.Queries.Lookup(r.Context(), viewerOf(r), asked, maxLookupMatches+1)
		if err != nil {
			return nil, false, fmt.Errorf("lookup: %w", err)
		}
	}
	truncated := len(hits) > maxLookupMatches
	if truncated {
		hits = hits[:maxLookupMatches]
	}
	results := make([]lookupResult, len(values))
	for i, v := range values {
		results[i].Value = v
		if ok[i] {
			results[i].Kind = probes[i].Kind
		} else {
			results[i].Error = errUnrecognised
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
		p := probes[pi]
		how, matched := p.Match(h.Observable)
		if !matched {
			// the store's candidates are a superset at most; the rule decides
			continue
		}
		m, err := encodeMatch(how, h)
		if err != nil {
			return nil, false, err
		}
		k := key{pi, h.Object.ID}
		if at, seen := best[k]; seen {
			if rank[how] < ranks[k] {
				results[pi].matches[at], ranks[k] = m, rank[how]
			}
			continue
		}
		best[k], ranks[k] = len(results[pi].matches), rank[how]
		results[pi].matches = append(results[pi].matches, m)
	}
	for i := range results {
		results[i].Count = len(results[i].matches)
	}
	return results, truncated, nil
}

// encodeMatch renders one match with the object's original bytes.
func encodeMatch(how string, h LookupHit) ([]byte, error) {
	meta := lookupMatch{
		Match:      how,
		Observable: matchObservable{Kind: h.Observable.Kind, Value: h.Observable.Value, Path: h.Observable.Path, Op: h.Observable.Op},
		ID:         h.Object.ID,
		Modified:   h.Object.Modified,
		Type:       h.Object.Type,
		CreatedBy:  h.Object.CreatedBy,
		Received:   formatTime(h.Object.Received),
		Revoked:    h.Object.Revoked,
	}
	return withRaw(meta, "object", h.Object.Raw)
}

// encodeLookupResult renders one value's result.
func encodeLookupResult(res lookupResult, truncated bool) []byte {
	head, _ := marshalNoEscape(res)
	b := head[:len(head)-1] // drop the closing brace
	b = append(b, `,"matches":[`...)
	for i, m := range res.matches {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	b = append(b, ']')
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}')
}

// onlyParams refuses query parameters other than allowed, so a misspelt
// filter is an error rather than silently ignored.
func onlyParams(q map[string][]string, allowed ...string) error {
	for name := range q {
		known := false
		for _, a := range allowed {
			if name == a {
				known = true
				break
			}
		}
		if !known {
			return NewProblem(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("unknown query parameter %q", name))
		}
	}
	return nil
}
