package feeds

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/jag-hub/jag/stix/pattern"
)

// Match explains why an indicator passed a watchlist.
type Match struct {
	Value      string          `json:"value"` // the watchlist entry as the client gave it
	Match      string          `json:"match"` // pattern.MatchExact, pattern.MatchCIDR or pattern.MatchParentDomain
	Observable MatchObservable `json:"observable"`
}

// MatchObservable is the indicator's observable that matched.
type MatchObservable struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Path  string `json:"path"`
	Op    string `json:"op"`
}

// watchEntry is one classified watchlist value.
type watchEntry struct {
	given string             // as the client gave it
	query pattern.Observable // classified
}

// watchlist is a compiled list of observables, matched as lookup matches
// (pattern.Match). Its maps only find the candidate entries for an
// observable without scanning the list; pattern.Match decides whether and
// how each matches.
type watchlist struct {
	exact  map[string][]watchEntry // kind "\x00" value → entries it may equal
	parent map[string][]watchEntry // parent domain → entries under it
	nets   []watchNet              // addresses and CIDRs, parsed once
}

// watchNet is an address or CIDR entry with its network.
type watchNet struct {
	entry  watchEntry
	prefix netip.Prefix
}

func newWatchlist(values []string) (*watchlist, error) {
	w := &watchlist{exact: map[string][]watchEntry{}, parent: map[string][]watchEntry{}}
	for _, v := range values {
		o, ok := pattern.Classify(v)
		if !ok {
			return nil, fmt.Errorf("%w: observable %q is not an IP address, CIDR, domain, URL, e-mail address or hash", ErrBadFilter, v)
		}
		e := watchEntry{given: v, query: o}
		if p, ok := pattern.NetOf(o); ok {
			w.nets = append(w.nets, watchNet{entry: e, prefix: p})
			continue
		}
		kinds := pattern.HashKinds(o.Kind)
		if kinds == nil {
			kinds = []string{o.Kind}
		}
		for _, k := range kinds {
			w.exact[exactKey(k, o.Value)] = append(w.exact[exactKey(k, o.Value)], e)
		}
		if o.Kind == "domain" {
			for _, p := range pattern.ParentDomains(o.Value) {
				w.parent[p] = append(w.parent[p], e)
			}
		}
	}
	return w, nil
}

func exactKey(kind, value string) string { return kind + "\x00" + value }

// match returns every (entry, observable) pair that matches, each entry
// once per observable.
func (w *watchlist) match(obs []pattern.Observable) []Match {
	var out []Match
	emit := func(e watchEntry, how string, o pattern.Observable) {
		out = append(out, Match{Value: e.given, Match: how, Observable: MatchObservable{Kind: o.Kind, Value: o.Value, Path: o.Path, Op: o.Op}})
	}
	for _, o := range obs {
		if p, ok := pattern.NetOf(o); ok {
			for _, n := range w.nets {
				if how, ok := pattern.MatchNet(n.prefix, p); ok {
					emit(n.entry, how, o)
				}
			}
			continue
		}
		candidates := w.exact[exactKey(o.Kind, o.Value)]
		if o.Kind == "domain" {
			candidates = append(slices.Clip(candidates), w.parent[o.Value]...)
		}
		for _, e := range candidates {
			if how, ok := pattern.Match(e.query, o); ok {
				emit(e, how, o)
			}
		}
	}
	return out
}
