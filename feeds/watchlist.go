package feeds

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix/pattern"
)

// Bounds of one watchlist (the "observables" of a filter). A subscribe
// message beyond them is refused: error "too_large", close 1008.
const (
	// MaxWatchlistBytes bounds the text of one watchlist: the sum of its
	// entries' lengths as given.
	MaxWatchlistBytes = 128 << 10
	// MaxMatchesPerEvent bounds the matches listed in one event message:
	// an indicator naming 0.0.0.0/0 matches every watched address, and
	// the message says so with its first MaxMatchesPerEvent matches.
	MaxMatchesPerEvent = 64
)

// ErrWatchCapacity: the replica's watchlist index is full (MaxWatchEntries
// or MaxWatchBytes); the session is closed 1013 and may retry later or on
// another replica.
var ErrWatchCapacity = errors.New("the watchlist capacity of this replica is exhausted")

// errWatchTooLarge: one watchlist exceeds its documented bounds.
var errWatchTooLarge = errors.New("watchlist too large")

// Match explains why an object passed a watchlist.
type Match struct {
	Value      string          `json:"value"` // the watchlist entry as the client gave it
	Match      string          `json:"match"` // pattern.MatchExact, MatchCIDR, MatchContains or MatchParentDomain
	Observable MatchObservable `json:"observable"`
}

// MatchObservable is the object's observable that matched: a value its
// indicator pattern names, or an SCO's value or hash.
type MatchObservable struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Path  string `json:"path"`
	Op    string `json:"op"`
}

// watchValue is one classified watchlist entry, before it joins the index.
type watchValue struct {
	given string             // as the client gave it
	query pattern.Observable // classified and normalised (pattern.Classify)
	net   netip.Prefix       // the network of an ipv4/ipv6 entry
	isNet bool
}

// parseWatchlist classifies the entries of a watchlist and checks its
// bounds: at most MaxFilterValues entries and MaxWatchlistBytes of text.
func parseWatchlist(values []string) ([]watchValue, error) {
	if len(values) > MaxFilterValues {
		return nil, fmt.Errorf("%w: %w: observables has %d entries, at most %d are allowed", ErrBadFilter, errWatchTooLarge, len(values), MaxFilterValues)
	}
	size := 0
	for _, v := range values {
		size += len(v)
	}
	if size > MaxWatchlistBytes {
		return nil, fmt.Errorf("%w: %w: observables hold %d bytes, at most %d are allowed", ErrBadFilter, errWatchTooLarge, size, MaxWatchlistBytes)
	}
	out := make([]watchValue, 0, len(values))
	for _, v := range values {
		o, ok := pattern.Classify(v)
		if !ok || !hub.StorableText(v) {
			return nil, fmt.Errorf("%w: observable %q is not an IP address, CIDR, domain, URL, e-mail address or hash", ErrBadFilter, v)
		}
		wv := watchValue{given: v, query: o}
		wv.net, wv.isNet = pattern.NetOf(o)
		out = append(out, wv)
	}
	return out, nil
}

// watcher is one session's registration in the replica's watch index: the
// terms it watches, and the spelling it gave those it did not give in
// normalised form (the match reports the entry as given).
type watcher struct {
	idx   *watchIndex
	id    uint32   // position in the index's watchers
	owner *session // nil for a selector matched outside a feed (tests)
	terms []uint32
	given map[uint32]string
	cost  int64 // text bytes charged to the index's budget
}

// value is the watchlist entry of term id, whose normalised value is
// normal, as w's client gave it.
func (w *watcher) value(id uint32, normal string) string {
	if g, ok := w.given[id]; ok {
		return g
	}
	return normal
}
