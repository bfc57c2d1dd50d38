package feeds

import (
	"fmt"
	"math"
	"slices"
	"sync"

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
	// addresses and hashes: when given, only indicators whose pattern and
	// observable objects (SCOs) whose value or hashes match one of them
	// pass, with the matches explained. They match exactly as lookups do
	// (pattern.Match): a watched network also matches the addresses and
	// networks inside it. At most MaxFilterValues entries and
	// MaxWatchlistBytes of text.
	Observables    []string `json:"observables,omitempty"`
	IncludeRevoked *bool    `json:"include_revoked,omitempty"` // default true
}

// selector is a compiled Filter. Its conditions are immutable; its
// watchlist joins the feed's shared index (register) before the session
// attaches and leaves it when the session ends (unregister).
type selector struct {
	types, labels, createdBy map[string]struct{}
	minConfidence            *int
	excludeRevoked           bool

	watching    bool
	watchValues []watchValue // until registered (then the index holds them)
	watch       *watcher     // set by register

	private sync.Once // a selector matched without a feed gets its own index
}

// compile checks f and prepares it for matching.
func (f Filter) compile() (*selector, error) {
	for name, list := range map[string][]string{
		"types": f.Types, "labels": f.Labels, "created_by": f.CreatedBy,
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
		vals, err := parseWatchlist(f.Observables)
		if err != nil {
			return nil, err
		}
		s.watchValues, s.watching = vals, true
	}
	return s, nil
}

// watches reports whether the selector has a watchlist.
func (s *selector) watches() bool { return s.watching }

// register adds the watchlist to idx for session owner (ErrWatchCapacity
// when the replica's budget is exhausted). Only the writer calls it,
// before the session is attached.
func (s *selector) register(idx *watchIndex, owner *session) error {
	if !s.watches() {
		return nil
	}
	w, err := idx.add(owner, s.watchValues)
	if err != nil {
		return err
	}
	s.watch, s.watchValues = w, nil
	return nil
}

// index returns the index s's watchlist is registered in. A selector
// matched outside a feed (unit tests) registers in an index of its own.
func (s *selector) index() *watchIndex {
	s.private.Do(func() {
		if s.watch == nil {
			idx := newWatchIndex(math.MaxInt, math.MaxInt64)
			s.watch, _ = idx.add(nil, s.watchValues)
		}
	})
	return s.watch.idx
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
// it: see visible. The tailer matches live events for every session at
// once through the shared index (passes plus watchIndex.matchEvent); this
// is the same rule for one session's replay.
func (s *selector) match(ev *event) (bool, []Match) {
	if !s.passes(ev) {
		return false, nil
	}
	if !s.watches() {
		return true, nil
	}
	m := s.index().matchFor(s.watch, ev.Observables())
	return len(m) > 0, m
}

// passes applies every condition but the watchlist.
func (s *selector) passes(ev *event) bool {
	if s.types != nil && !has(s.types, ev.Type) {
		return false
	}
	if s.createdBy != nil && !has(s.createdBy, ev.CreatedBy) {
		return false
	}
	if s.labels != nil && !slices.ContainsFunc(ev.Labels, func(l string) bool { return has(s.labels, l) }) {
		return false
	}
	if s.minConfidence != nil && (ev.Confidence == nil || *ev.Confidence < *s.minConfidence) {
		return false
	}
	if s.excludeRevoked && (ev.Revoked || ev.Kind == hub.KindRevoked) {
		return false
	}
	return true
}

// visible is the one visibility rule (auth.Visible, the twin of SQL
// jag_visible) applied to an event for principal p.
func visible(p *auth.Principal, ev *event) bool {
	return auth.Visible(p, ev.Marking())
}
