package pattern

import (
	"net/netip"
	"strings"
)

// Ways a query matches an indexed observable (API.md "Lookup matching").
// GET/POST /v1/lookup and the feed's watchlists report these words.
const (
	MatchExact        = "exact"         // the same kind (or digest family) and normalised value
	MatchCIDR         = "cidr"          // the indexed network contains the queried address or CIDR
	MatchContains     = "contains"      // the queried CIDR contains the indexed address or network
	MatchParentDomain = "parent_domain" // the indexed domain is a parent of the queried domain
)

// Match says whether and how an indexed observable (one extracted from an
// indicator's pattern or an SCO) matches a query (a value classified by
// Classify). It is the one statement of the lookup rules; the store's SQL
// and the feed's watchlist index only narrow the candidates:
//
//   - an address or CIDR matches the same network (exact), a network
//     containing it (cidr), and an address or network inside it
//     (contains: a watched or looked-up range finds what is named inside
//     it); IPv4 never matches IPv6 (not even IPv4-mapped IPv6);
//   - a domain matches the same name (exact) or a parent domain of at
//     least two labels (parent_domain; see ParentDomains);
//   - a hex digest matches the same digest of every algorithm of its
//     length (HashKinds: a 64-digit query matches sha256 and sha3-256);
//   - URLs and e-mail addresses match the same normalised value.
//
// Both values must be normalised as Classify and extraction normalise
// them; Match does not normalise again.
func Match(query, indexed Observable) (how string, ok bool) {
	switch query.Kind {
	case kindIPv4, kindIPv6:
		if indexed.Kind != kindIPv4 && indexed.Kind != kindIPv6 {
			return "", false
		}
		q, qok := NetOf(query)
		n, nok := NetOf(indexed)
		if !qok || !nok {
			return "", false
		}
		return MatchNet(q, n)
	case kindDomain:
		switch {
		case indexed.Kind != kindDomain:
			return "", false
		case indexed.Value == query.Value:
			return MatchExact, true
		case isParentDomain(indexed.Value, query.Value):
			return MatchParentDomain, true
		}
		return "", false
	}
	if indexed.Value != query.Value {
		return "", false
	}
	if kinds := HashKinds(query.Kind); kinds != nil {
		for _, k := range kinds {
			if indexed.Kind == k {
				return MatchExact, true
			}
		}
		return "", false
	}
	if indexed.Kind == query.Kind {
		return MatchExact, true
	}
	return "", false
}

// MatchNet is Match for networks already parsed with NetOf: the same
// prefix is exact, an indexed prefix that contains the queried one is
// cidr, an indexed prefix inside the queried one is contains. It lets an
// index that holds many networks parse each only once.
func MatchNet(query, indexed netip.Prefix) (how string, ok bool) {
	switch {
	case indexed == query:
		return MatchExact, true
	case indexed.Bits() <= query.Bits() && indexed.Contains(query.Addr()):
		return MatchCIDR, true
	case query.Bits() < indexed.Bits() && query.Contains(indexed.Addr()):
		return MatchContains, true
	}
	return "", false
}

// NetOf returns the network an ipv4 or ipv6 observable names, an address
// as its full-length prefix; false for other kinds and for values that
// are not an address or CIDR.
func NetOf(o Observable) (netip.Prefix, bool) {
	if o.Kind != kindIPv4 && o.Kind != kindIPv6 {
		return netip.Prefix{}, false
	}
	p, ok := parseNet(o.Value)
	if !ok {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// ParentDomains returns the parents of a normalised domain that a lookup
// of it also matches, nearest first, down to two labels:
// "a.b.example.org" → "b.example.org", "example.org". A top-level domain
// alone is never worth matching every name under it.
func ParentDomains(domain string) []string {
	var out []string
	d := domain
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

// isParentDomain reports whether parent is one of ParentDomains(d),
// without building the list.
func isParentDomain(parent, d string) bool {
	return strings.IndexByte(parent, '.') > 0 &&
		len(d) > len(parent)+1 &&
		strings.HasSuffix(d, parent) && d[len(d)-len(parent)-1] == '.'
}

// HashKinds returns the indexed hash algorithms a digest that Classify
// gave kind may belong to: the hex length, not the text, decides, and
// SHA-2 and SHA-3 digests of one size share it. It returns nil for kinds
// that are not Classify's digest kinds. Each call returns a new slice.
func HashKinds(kind string) []string {
	switch kind {
	case "md5":
		return []string{"md5"}
	case "sha1":
		return []string{"sha1"}
	case "sha256":
		return []string{"sha256", "sha3-256"}
	case "sha512":
		return []string{"sha512", "sha3-512"}
	}
	return nil
}
