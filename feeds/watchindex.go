package feeds

import (
	"hash/maphash"
	"sync"

	"github.com/jag-hub/jag/stix/pattern"
)

// watchIndex holds every watchlist of a replica once: a term per distinct
// normalised value (shared by every session that watches it), hashed for
// exact values and parent domains, and a path-compressed binary trie per
// address family for addresses and networks. Matching an event costs a
// few hash probes and a trie walk per observable it names, plus one step
// per match; neither the number of sessions nor the length of their
// watchlists enters it. pattern.Match (the lookup rule) decides whether
// and how each candidate matches: the structures only find candidates.
//
// The storage (watchstore.go, nettrie.go) holds no pointers: a distinct
// value costs about 100 bytes (README, TestWatchIndexMemory) and the
// garbage collector never traces the index, so a replica holding
// millions of watched values does not slow its sessions down.
//
// Bounds: at most maxEntries (session, term) registrations and maxBytes
// of watchlist text for the whole replica (ErrWatchCapacity beyond).
type watchIndex struct {
	maxEntries int
	maxBytes   int64
	seed       maphash.Seed
	// hashMask cuts the hash keys (all ones; tests narrow it to make
	// values collide) and textSlack is the garbage the text arena may
	// hold before it is compacted.
	hashMask  uint64
	textSlack int64

	mu      sync.RWMutex
	kinds   []string         // kind codes (0: none)
	kindIDs map[string]uint8 // kind → code
	exact   map[uint64]uint32
	parents map[uint64]uint32 // parent domain → first link
	// roots of the tries: [family(IPv4, IPv6)][networks, addresses].
	// Addresses (full-length prefixes) have a trie of their own, for the
	// networks an event names, and are hashed: an address an event names
	// costs a hash probe and a walk of the (small) networks' trie.
	roots [2][2]uint32

	terms    []term
	subs     []sub
	links    []link
	nodes    []netNode
	text     []byte
	watchers []*watcher

	freeTerm, freeSub, freeNode uint32
	freeLinks                   [256]uint32 // by run length
	freeWatchers                []uint32
	garbage                     int64 // dead bytes in text

	liveTerms, liveSubs, liveLinks, liveNodes int
	entries                                   int   // registrations
	bytes                                     int64 // text charged
}

// termOverhead is the text charge of a registration beyond its bytes,
// so that a budget in bytes also bounds lists of very short entries.
const termOverhead = 64

func newWatchIndex(maxEntries int, maxBytes int64) *watchIndex {
	return &watchIndex{
		maxEntries: maxEntries, maxBytes: maxBytes, seed: maphash.MakeSeed(),
		hashMask: ^uint64(0), textSlack: 1 << 20,
		kinds: []string{""}, kindIDs: map[string]uint8{},
		exact: map[uint64]uint32{}, parents: map[uint64]uint32{},
		// Position 0 of every slice means "none".
		terms: make([]term, 1), subs: make([]sub, 1), links: make([]link, 1),
		nodes: make([]netNode, 1), watchers: make([]*watcher, 1),
	}
}

// add registers a watchlist and returns its watcher; ErrWatchCapacity when
// the replica's budget would be exceeded (nothing is registered then).
// Entries with the same normalised value count once.
func (x *watchIndex) add(owner *session, values []watchValue) (*watcher, error) {
	w := &watcher{idx: x, owner: owner, terms: make([]uint32, 0, len(values))}
	var cost int64
	for _, v := range values {
		cost += int64(len(v.given)+len(v.query.Value)) + termOverhead
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries+len(values) > x.maxEntries || x.bytes+cost > x.maxBytes {
		return nil, ErrWatchCapacity
	}
	if n := len(x.freeWatchers); n > 0 {
		w.id, x.freeWatchers = x.freeWatchers[n-1], x.freeWatchers[:n-1]
		x.watchers[w.id] = w
	} else {
		w.id = uint32(len(x.watchers))
		x.watchers = append(x.watchers, w)
	}
	for _, v := range values {
		code := x.kindCode(v.query.Kind, true)
		var id uint32
		if v.isNet {
			id = x.addNet(code, v.net)
		} else {
			h := x.exactKey(code, v.query.Value)
			if id = x.findHashed(h, code, v.query.Value); id == 0 {
				id = x.addHashed(h, code, v.query.Value)
			}
		}
		t := &x.terms[id]
		if t.sub != 0 && x.subs[t.sub].watcher == w.id {
			continue // the same value twice in one watchlist
		}
		t.sub = x.newSub(w.id, t.sub)
		w.terms = append(w.terms, id)
		if v.given != v.query.Value {
			if w.given == nil {
				w.given = map[uint32]string{}
			}
			w.given[id] = v.given
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
	for _, id := range w.terms {
		x.unsubscribe(id, w.id)
		t := &x.terms[id]
		if t.sub != 0 {
			continue
		}
		if t.net {
			x.dropNet(id)
		} else {
			x.dropHashed(id)
		}
	}
	x.watchers[w.id] = nil
	x.freeWatchers = append(x.freeWatchers, w.id)
	x.entries -= len(w.terms)
	x.bytes -= w.cost
	w.terms, w.given = nil, nil
	x.compactText()
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

// candidates calls visit with every term that matches o, its value (a
// string of its own; "" for a network: termValue formats it when needed)
// and how it matches (pattern.Match decides). x.mu is held for reading.
func (x *watchIndex) candidates(o pattern.Observable, visit func(id uint32, value, how string)) {
	if p, ok := pattern.NetOf(o); ok {
		fam, k := family(p.Addr()), keyOf(p)
		check := func(n uint32) {
			if how, ok := pattern.MatchNet(x.nodes[n].key().prefix(fam == 0), p); ok {
				visit(x.nodes[n].term, "", how)
			}
		}
		if p.IsSingleIP() {
			if code := x.kindCode(o.Kind, false); code != 0 {
				if id := x.findAddr(code, k); id != 0 {
					check(uint32(x.terms[id].text))
				}
			}
		} else {
			x.netSearch(x.roots[fam][1], k, check) // the addresses inside p
		}
		x.netSearch(x.roots[fam][0], k, check)
		return
	}
	kinds, hashed := hashQueryKinds[o.Kind]
	if !hashed {
		kinds = []string{o.Kind}
	}
	for _, k := range kinds {
		code := x.kindCode(k, false)
		if code == 0 {
			continue
		}
		// The term's value equals o's, so o's value stands for it.
		if id := x.findHashed(x.exactKey(code, o.Value), code, o.Value); id != 0 {
			if how, ok := pattern.Match(pattern.Observable{Kind: k, Value: o.Value}, o); ok {
				visit(id, o.Value, how)
			}
		}
	}
	if o.Kind != "domain" {
		return
	}
	for l := x.parents[x.parentKey(o.Value)]; l != 0; l = x.links[l].next {
		id := x.links[l].term
		t := &x.terms[id]
		if string(parentAt(x.value(t), int(l-t.links))) != o.Value {
			continue // another parent whose key collides with o's
		}
		v := string(x.value(t))
		if how, ok := pattern.Match(pattern.Observable{Kind: "domain", Value: v}, o); ok {
			visit(id, v, how)
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
		x.candidates(o, func(id uint32, value, how string) {
			if value == "" {
				value = x.termValue(id)
			}
			for s := x.terms[id].sub; s != 0; s = x.subs[s].next {
				w := x.watchers[x.subs[s].watcher]
				if matches == nil {
					matches = map[*watcher][]Match{}
				}
				ms, seen := matches[w]
				if !seen {
					order = append(order, w)
				}
				if len(ms) < MaxMatchesPerEvent {
					matches[w] = append(ms, newMatch(w.value(id, value), how, o))
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
		x.candidates(o, func(id uint32, value, how string) {
			if len(out) >= MaxMatchesPerEvent {
				return
			}
			for s := x.terms[id].sub; s != 0; s = x.subs[s].next {
				if x.subs[s].watcher == w.id {
					if value == "" {
						value = x.termValue(id)
					}
					out = append(out, newMatch(w.value(id, value), how, o))
					return
				}
			}
		})
	}
	return out
}

func newMatch(value, how string, o pattern.Observable) Match {
	return Match{Value: value, Match: how, Observable: MatchObservable{Kind: o.Kind, Value: o.Value, Path: o.Path, Op: o.Op}}
}
