package feeds

import (
	"fmt"
	"slices"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// MaxFilterValues bounds each list of a filter (watchlist entries, types,
// labels, creators).
const MaxFilterValues = 4096

// Filter is the "filter" member of a subscribe message (API.md section 4).
// Every field is optional; the conditions are AND-ed, the values of one
// list OR-ed.
type Filter struct {
	Types         []string `json:"types,omitempty"`          // STIX types
	Labels        []string `json:"labels,omitempty"`         // at least one of these labels
	CreatedBy     []string `json:"created_by,omitempty"`     // identity ids
	MinConfidence *int     `json:"min_confidence,omitempty"` // 0..100; objects without confidence fail it
	// Observables is a watchlist of IPs, CIDRs, domains, URLs, e-mail
	// addresses and hashes: when given, only indicators whose pattern
	// matches one of them pass, with the matches explained.
	Observables    []string `json:"observables,omitempty"`
	IncludeRevoked *bool    `json:"include_revoked,omitempty"` // default true
}

// selector is a compiled Filter. It is immutable and safe for concurrent use.
type selector struct {
	types, labels, createdBy map[string]struct{}
	minConfidence            *int
	watch                    *watchlist // nil without a watchlist
	excludeRevoked           bool
}

// compile checks f and prepares it for matching.
func (f Filter) compile() (*selector, error) {
	for name, list := range map[string][]string{
		"types": f.Types, "labels": f.Labels, "created_by": f.CreatedBy, "observables": f.Observables,
	} {
		if len(list) > MaxFilterValues {
			return nil, fmt.Errorf("%w: %s has more than %d values", ErrBadFilter, name, MaxFilterValues)
		}
	}
	if c := f.MinConfidence; c != nil && (*c < 0 || *c > 100) {
		return nil, fmt.Errorf("%w: min_confidence must be between 0 and 100", ErrBadFilter)
	}
	s := &selector{
		types:          set(f.Types),
		labels:         set(f.Labels),
		createdBy:      set(f.CreatedBy),
		minConfidence:  f.MinConfidence,
		excludeRevoked: f.IncludeRevoked != nil && !*f.IncludeRevoked,
	}
	if f.Observables != nil {
		w, err := newWatchlist(f.Observables)
		if err != nil {
			return nil, err
		}
		s.watch = w
	}
	return s, nil
}

// set returns the values of list as a set, nil for an empty list (no condition).
func set(list []string) map[string]struct{} {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(list))
	for _, v := range list {
		m[v] = struct{}{}
	}
	return m
}

func has(m map[string]struct{}, v string) bool {
	_, ok := m[v]
	return ok
}

// match reports whether ev passes the filter, and the watchlist matches
// that made it pass (nil without a watchlist). Visibility is not part of
// it: see visible.
func (s *selector) match(ev *event) (bool, []Match) {
	if s.types != nil && !has(s.types, ev.Type) {
		return false, nil
	}
	if s.createdBy != nil && !has(s.createdBy, ev.CreatedBy) {
		return false, nil
	}
	if s.labels != nil && !slices.ContainsFunc(ev.Labels, func(l string) bool { return has(s.labels, l) }) {
		return false, nil
	}
	if s.minConfidence != nil && (ev.Confidence == nil || *ev.Confidence < *s.minConfidence) {
		return false, nil
	}
	if s.excludeRevoked && (ev.Revoked || ev.Kind == hub.KindRevoked) {
		return false, nil
	}
	if s.watch == nil {
		return true, nil
	}
	m := s.watch.match(ev.Observables())
	return len(m) > 0, m
}

// visible is the one visibility rule (auth.Visible, the twin of SQL
// jag_visible) applied to an event for principal p.
func visible(p *auth.Principal, ev *event) bool {
	return auth.Visible(p, ev.Marking())
}
