package feeds

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/jag-hub/jag/stix/pattern"
)

// Ways a watchlist entry matches an observable of an indicator; the same
// words and rules as GET /v1/lookup.
const (
	MatchExact        = "exact"         // the same normalised value
	MatchCIDR         = "cidr"          // the indicator names a network containing the watched address or CIDR
	MatchParentDomain = "parent_domain" // the indicator names a parent domain of the watched domain
)

// Match explains why an indicator passed a watchlist.
type Match struct {
	Value      string          `json:"value"` // the watchlist entry as the client gave it
	Match      string          `json:"match"` // MatchExact, MatchCIDR or MatchParentDomain
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
	given string
	norm  string
}

// watchlist is a compiled list of observables. Matching follows lookup:
// an address or CIDR matches the same value or a network containing it;
// a domain matches itself or a parent domain (down to two labels); a hex
// digest matches every algorithm of its length (SHA-256 and SHA3-256);
// URLs and e-mail addresses match exactly, as normalised by
// pattern.Classify.
type watchlist struct {
	exact  map[string][]watchEntry // kind "\x00" value → entries
	parent map[string][]watchEntry // parent domain → entries under it
	nets   []watchNet
}

type watchNet struct {
	entry  watchEntry
	prefix netip.Prefix
}

// digestKinds are the indexed algorithms a classified hex digest may be.
var digestKinds = map[string][]string{
	"md5":    {"md5"},
	"sha1":   {"sha1"},
	"sha256": {"sha256", "sha3-256"},
	"sha512": {"sha512", "sha3-512"},
}

func newWatchlist(values []string) (*watchlist, error) {
	w := &watchlist{exact: map[string][]watchEntry{}, parent: map[string][]watchEntry{}}
	for _, v := range values {
		o, ok := pattern.Classify(v)
		if !ok {
			return nil, fmt.Errorf("%w: observable %q is not an IP address, CIDR, domain, URL, e-mail address or hash", ErrBadFilter, v)
		}
		e := watchEntry{given: v, norm: o.Value}
		switch {
		case o.Kind == "ipv4" || o.Kind == "ipv6":
			p, err := parsePrefix(o.Value)
			if err != nil {
				return nil, fmt.Errorf("%w: observable %q: %v", ErrBadFilter, v, err)
			}
			w.nets = append(w.nets, watchNet{entry: e, prefix: p})
		case o.Kind == "domain":
			w.add(o.Kind, o.Value, e)
			for _, p := range parentDomains(o.Value) {
				w.parent[p] = append(w.parent[p], e)
			}
		case digestKinds[o.Kind] != nil:
			for _, k := range digestKinds[o.Kind] {
				w.add(k, o.Value, e)
			}
		default:
			w.add(o.Kind, o.Value, e)
		}
	}
	return w, nil
}

func (w *watchlist) add(kind, value string, e watchEntry) {
	k := kind + "\x00" + value
	w.exact[k] = append(w.exact[k], e)
}

// parsePrefix reads an address ("10.0.0.1") or CIDR ("10.0.0.0/8") as a prefix.
func parsePrefix(v string) (netip.Prefix, error) {
	if strings.IndexByte(v, '/') >= 0 {
		return netip.ParsePrefix(v)
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// parentDomains returns the parents of a normalised domain, nearest first,
// down to two labels: "a.b.example.org" → "b.example.org", "example.org".
func parentDomains(d string) []string {
	var out []string
	for {
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return out
		}
		d = d[i+1:]
		if strings.IndexByte(d, '.') < 0 {
			return out
		}
		out = append(out, d)
	}
}

// match returns every (entry, observable) pair that matches, each entry
// once per observable.
func (w *watchlist) match(obs []pattern.Observable) []Match {
	var out []Match
	emit := func(entries []watchEntry, how string, o pattern.Observable) {
		for _, e := range entries {
			out = append(out, Match{Value: e.given, Match: how, Observable: MatchObservable{Kind: o.Kind, Value: o.Value, Path: o.Path, Op: o.Op}})
		}
	}
	for _, o := range obs {
		switch o.Kind {
		case "ipv4", "ipv6":
			if len(w.nets) == 0 {
				continue
			}
			p, err := parsePrefix(o.Value)
			if err != nil {
				continue
			}
			for _, n := range w.nets {
				switch {
				case n.prefix == p:
					emit([]watchEntry{n.entry}, MatchExact, o)
				case p.Bits() <= n.prefix.Bits() && p.Contains(n.prefix.Addr()):
					emit([]watchEntry{n.entry}, MatchCIDR, o)
				}
			}
		case "domain":
			emit(w.exact[o.Kind+"\x00"+o.Value], MatchExact, o)
			emit(w.parent[o.Value], MatchParentDomain, o)
		default:
			emit(w.exact[o.Kind+"\x00"+o.Value], MatchExact, o)
		}
	}
	return out
}
