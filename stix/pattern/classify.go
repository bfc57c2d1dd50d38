package pattern

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Classify recognises a lookup value given by a user and normalises it
// exactly as extraction does: an IP address, a CIDR, a URL (scheme "://"
// host), an e-mail address (contains '@'), a hash recognised by its
// hex length (32 md5, 40 sha1, 64 sha256, 128 sha512), or a domain name.
// A single label ("localhost") counts as a domain name because indicators
// name such hosts too, unless it is a hex digest with a trailing dot,
// which is refused. Surrounding white space is ignored. Path and Op are
// empty in the result. Classify is idempotent: the normalised value
// classifies as itself, so a stored or echoed value can be looked up
// again.
func Classify(value string) (Observable, bool) {
	v := strings.TrimSpace(value)
	if o, ok := classifyNet(v); ok {
		return o, true
	}
	if strings.Contains(v, "://") {
		if o, ok := classifyURL(v); ok {
			return o, true
		}
	}
	if strings.IndexByte(v, '@') >= 0 {
		return classifyEmail(v)
	}
	if kind := digestKind(v); kind != "" {
		return Observable{Kind: kind, Value: strings.ToLower(v)}, true
	}
	o, ok := classifyDomain(v)
	if ok && digestKind(o.Value) != "" {
		// "<32 hex digits>." would normalise to a name that Classify reads
		// as an MD5: a value must classify as its own normalised form, so
		// a digest-shaped name is no domain name here.
		return Observable{}, false
	}
	return o, ok
}

// digestKind returns the algorithm Classify assumes for a hex digest of
// v's length ("md5", "sha1", "sha256", "sha512"), or "" when v is not one.
func digestKind(v string) string {
	if !isHexString(v) {
		return ""
	}
	switch len(v) {
	case 32:
		return "md5"
	case 40:
		return "sha1"
	case 64:
		return "sha256"
	case 128:
		return "sha512"
	}
	return ""
}

// classifyNet normalises an IP address or CIDR. A CIDR is masked; a
// full-length prefix becomes the bare address. Zoned addresses are
// refused: they name an interface, not a network location.
func classifyNet(v string) (Observable, bool) {
	p, ok := parseNet(v)
	if !ok {
		return Observable{}, false
	}
	p = p.Masked()
	kind := kindIPv6
	if p.Addr().Is4() {
		kind = kindIPv4
	}
	if p.IsSingleIP() {
		return Observable{Kind: kind, Value: p.Addr().String()}, true
	}
	return Observable{Kind: kind, Value: p.String()}, true
}

// classifyDomain lower-cases v and drops one trailing dot. Labels are
// 1-63 bytes of ASCII letters, digits, '-' or '_' (seen in real DNS), or
// non-ASCII letters, digits and combining marks (internationalised names
// as written; never spaces, punctuation or invalid UTF-8); the name is at
// most 253 bytes.
func classifyDomain(v string) (Observable, bool) {
	d := strings.ToLower(strings.TrimSuffix(v, "."))
	if d == "" || len(d) > 253 || !utf8.ValidString(d) {
		return Observable{}, false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 {
			return Observable{}, false
		}
		for _, r := range label {
			ascii := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
			idn := r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
			if !ascii && !idn {
				return Observable{}, false
			}
		}
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return Observable{}, false
	}
	return Observable{Kind: kindDomain, Value: d}, true
}

// classifyURL keeps v as written, if it is an absolute URL with a host
// and without white space or control characters.
func classifyURL(v string) (Observable, bool) {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return Observable{}, false
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return Observable{}, false
	}
	return Observable{Kind: kindURL, Value: v}, true
}

// classifyEmail lower-cases an address of the form local@domain.
func classifyEmail(v string) (Observable, bool) {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || strings.ContainsAny(local, " \t\r\n<>@") {
		return Observable{}, false
	}
	if _, ok := classifyDomain(domain); !ok {
		return Observable{}, false
	}
	return Observable{Kind: kindEmail, Value: strings.ToLower(v)}, true
}

// hashKind maps a STIX hash-algorithm key to an observable kind: the
// vocabulary names without the SHA-2 hyphen ("SHA-256" → "sha256"), other
// names lower-cased as written ("SHA3-256" → "sha3-256").
func hashKind(alg string) string {
	a := strings.ToLower(alg)
	switch a {
	case "sha-1", "sha-256", "sha-384", "sha-512":
		return "sha" + a[4:]
	}
	return a
}

// hashLengths is the hex length of the fixed-size digests in the STIX
// hash vocabulary.
var hashLengths = map[string]int{
	"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128, "sha3-256": 64, "sha3-512": 128,
}

// ClassifyHash normalises a digest given with its STIX hash-algorithm
// name (a key of a hashes dictionary: "SHA-256", "MD5", "ssdeep", …)
// exactly as extraction does for "file:hashes.<alg>": the kind is the
// algorithm as hashKind names it; digests of the fixed-size algorithms
// (md5, sha1, sha256, sha512, sha3-256, sha3-512) must be hex of the
// right length. It lets the index of cyber-observable objects agree with
// the index of patterns.
func ClassifyHash(alg, digest string) (Observable, bool) {
	return normaliseHash(hashKind(alg), digest)
}

// normaliseHash checks a digest of a known fixed-size algorithm (hex of
// the right length) and lower-cases it. Other algorithms are kept: hex
// values (TLSH) lower-cased, others (SSDEEP is case-sensitive base64)
// as written.
func normaliseHash(kind, v string) (Observable, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Observable{}, false
	}
	hexV := isHexString(v)
	if n, fixed := hashLengths[kind]; fixed && (!hexV || len(v) != n) {
		return Observable{}, false
	}
	if hexV {
		v = strings.ToLower(v)
	}
	return Observable{Kind: kind, Value: v}, true
}

func isHexString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
