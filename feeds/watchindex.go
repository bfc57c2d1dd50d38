package feeds

import (
	"slices"
	"sync"

	"github.com/jag-hub/jag/stix/pattern"
)

// watchIndex holds every watchlist of a replica once: a term per distinct
// normalised value (shared by every session that watches it), hashed for
// exact values and parent domains, and a path-compressed binary trie per
// address family for networks. Matching an event costs a few hash probes
// and a trie walk per observable it names, plus one step per match;
// neither the number of sessions nor the length of their watchlists
// enters it. pattern.Match (the lookup rule) decides whether and how each
// candidate matches: the structures only find candidates.
//
// Bounds: at most maxEntries (session, term) registrations and maxBytes
// of watchlist text for the whole replica (ErrWatchCapacity beyond).
type watchIndex struct {
	maxEntries int
	maxBytes   int64

	mu      sync.RWMutex
	terms   map[termKey]*term  // one per distinct normalised value but networks
	parent  map[string][]*term // parent domain → domain terms under it
	nets    [2]*netNode        // IPv4, IPv6: the terms of networks and addresses
	entries int                // registrations
	bytes   int64              // text charged
}

// term is one distinct watched value and the sessions that watch it.
type term struct {
	kind, value string // classified and normalised (pattern.Classify)
	subs        []*watcher
	// ppos[j] is the term's position in the parent list of its j-th
	// parent domain (pattern.ParentDomains), so that leaving a list of
	// any length costs one swap.
	ppos []int32
}

// query is the term as pattern.Match takes it.
func (t *term) query() pattern.Observable { return pattern.Observable{Kind: t.kind, Value: t.value} }

// termKey is the index key of a term.
type termKey struct{ kind, value string }

// termOverhead is the text charge of a registration beyond its bytes,
// so that a budget in bytes also bounds lists of very short entries.
const termOverhead = 64

func newWatchIndex(maxEntries int, maxBytes int64) *watchIndex {
	return &watchIndex{maxEntries: maxEntries, maxBytes: maxBytes, terms: map[termKey]*term{}, parent: map[string][]*term{}}
}

// add registers a watchlist and returns its watcher; ErrWatchCapacity when
// the replica's budget would be exceeded (nothing is registered then).
// Entries with the same normalised value count once.
func (x *watchIndex) add(owner *session, values []watchValue) (*watcher, error) {
	w := &watcher{idx: x, owner: owner, terms: make([]*term, 0, len(values))}
	var cost int64
	for _, v := range values {
		cost += int64(len(v.given)+len(v.query.Value)) + termOverhead
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries+len(values) > x.maxEntries || x.bytes+cost > x.maxBytes {
		return nil, ErrWatchCapacity
	}
	for _, v := range values {
		var t *term
		if v.isNet { // networks are found in their trie, not hashed
			root := &x.nets[family(v.net.Addr())]
			if n := netFind(*root, v.net); n != nil {
				t = n.term
			} else {
				t = &term{kind: v.query.Kind, value: v.query.Value}
				netInsert(root, v.net, t)
			}
		} else if t = x.terms[termKey{v.query.Kind, v.query.Value}]; t == nil {
			t = &term{kind: v.query.Kind, value: v.query.Value}
			x.terms[termKey{v.query.Kind, v.query.Value}] = t
			if v.query.Kind == "domain" {
				for _, p := range pattern.ParentDomains(v.query.Value) {
					t.ppos = append(t.ppos, int32(len(x.parent[p])))
					x.parent[p] = append(x.parent[p], t)
				}
			}
		}
		if n := len(t.subs); n > 0 && t.subs[n-1] == w {
			continue // the same value twice in one watchlist
		}
		t.subs = append(t.subs, w)
		w.terms = append(w.terms, t)
		if v.given != v.query.Value {
			if w.given == nil {
				w.given = map[*term]string{}
			}
			w.given[t] = v.given
		}
	}
	w.cost = cost
	x.entries += len(w.terms)
	x.bytes += cost
	return w, nil
}

// remove unregisters w; terms nobody watches any more leave the index.
func (x *watchIndex) remove(w *watcher) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, t := range w.terms {
		if i := slices.Index(t.subs, w); i >= 0 {
			last := len(t.subs) - 1
			t.subs[i] = t.subs[last]
			t.subs[last] = nil
			t.subs = t.subs[:last]
		}
		if len(t.subs) > 0 {
			continue
		}
		t.subs = nil
		if p, ok := pattern.NetOf(t.query()); ok {
			netDelete(&x.nets[family(p.Addr())], p)
		} else {
			delete(x.terms, termKey{t.kind, t.value})
			if t.kind == "domain" {
				for j, p := range pattern.ParentDomains(t.value) {
					x.leaveParent(p, t, t.ppos[j])
				}
			}
		}
	}
	x.entries -= len(w.terms)
	x.bytes -= w.cost
	w.terms, w.given = nil, nil
}

// leaveParent removes t, at position i, from the list of parent domain p:
// the last term of the list takes its place and learns its new position.
func (x *watchIndex) leaveParent(p string, t *term, i int32) {
	list := x.parent[p]
	last := int32(len(list) - 1)
	if m := list[last]; m != t {
		list[i] = m
		for k, q := range pattern.ParentDomains(m.value) {
			if q == p {
				m.ppos[k] = i
				break
			}
		}
	}
	list[last] = nil
	if last == 0 {
		delete(x.parent, p)
		return
	}
	x.parent[p] = list[:last]
}

// usage returns the registrations and text bytes in use.
func (x *watchIndex) usage() (entries int, bytes int64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.entries, x.bytes
}

// hashQueryKinds maps an indexed digest kind to the watched kinds that
// match it (the inverse of pattern.HashKinds): a 64-hex watch entry
// classifies as sha256 and matches sha256 and sha3-256 observables.
var hashQueryKinds = func() map[string][]string {
	m := map[string][]string{}
	for _, k := range []string{"md5", "sha1", "sha256", "sha512"} {
		for _, indexed := range pattern.HashKinds(k) {
			m[indexed] = append(m[indexed], k)
		}
	}
	return m
}()

// candidates calls visit with every term that may match o and how it
// matches (pattern.Match decides). x.mu is held for reading.
func (x *watchIndex) candidates(o pattern.Observable, visit func(t *term, how string)) {
	check := func(t *term) {
		if how, ok := pattern.Match(t.query(), o); ok {
			visit(t, how)
		}
	}
	if p, ok := pattern.NetOf(o); ok {
		netSearch(x.nets[family(p.Addr())], p, func(n *netNode) {
			if how, ok := pattern.MatchNet(n.prefix, p); ok {
				visit(n.term, how)
			}
		})
		return
	}
	if kinds, ok := hashQueryKinds[o.Kind]; ok {
		for _, k := range kinds {
			if t := x.terms[termKey{k, o.Value}]; t != nil {
				check(t)
			}
		}
		return
	}
	if t := x.terms[termKey{o.Kind, o.Value}]; t != nil {
		check(t)
	}
	if o.Kind == "domain" {
		for _, t := range x.parent[o.Value] {
			check(t)
		}
	}
}

// matchEvent returns, for every watcher some observable of obs matches,
// the matches (at most MaxMatchesPerEvent each, the first ones in the
// order of obs), in the order the watchers were first matched.
func (x *watchIndex) matchEvent(obs []pattern.Observable) (order []*watcher, matches map[*watcher][]Match) {
	if len(obs) == 0 {
		return nil, nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, o := range obs {
		x.candidates(o, func(t *term, how string) {
			for _, w := range t.subs {
				if matches == nil {
					matches = map[*watcher][]Match{}
				}
				ms, seen := matches[w]
				if !seen {
					order = append(order, w)
				}
				if len(ms) < MaxMatchesPerEvent {
					matches[w] = append(ms, newMatch(w.value(t), how, o))
				}
			}
		})
	}
	return order, matches
}

// matchFor returns w's matches among obs (at most MaxMatchesPerEvent): the
// same rule as matchEvent, for one session replaying events.
func (x *watchIndex) matchFor(w *watcher, obs []pattern.Observable) []Match {
	if len(obs) == 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []Match
	for _, o := range obs {
		x.candidates(o, func(t *term, how string) {
			if len(out) < MaxMatchesPerEvent && slices.Contains(t.subs, w) {
				out = append(out, newMatch(w.value(t), how, o))
			}
		})
	}
	return out
}

func newMatch(value, how string, o pattern.Observable) Match {
	return Match{Value: value, Match: how, Observable: MatchObservable{Kind: o.Kind, Value: o.Value, Path: o.Path, Op: o.Op}}
}
