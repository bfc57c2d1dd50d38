package taxii

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// maxMatchValues bounds the comma-separated values of one match filter.
const maxMatchValues = 100

// endpoint names the paginated endpoints; a next cursor is bound to one.
type endpoint string

const (
	epObjects  endpoint = "objects"
	epManifest endpoint = "manifest"
	epObject   endpoint = "object"
	epVersions endpoint = "versions"
)

// params lists the query parameters each endpoint accepts (section 3.4).
var params = map[endpoint][]string{
	epObjects:  {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"},
	epManifest: {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"},
	epObject:   {"added_after", "limit", "next", "match[version]", "match[spec_version]"},
	epVersions: {"added_after", "limit", "next", "match[spec_version]"},
}

// listing is a parsed paginated request.
type listing struct {
	q hub.CollectionQuery
	// none: the spec_version filter excludes every stored object (all
	// are STIX 2.1), so the answer is empty without a query.
	none bool
	// digest binds next cursors to the collection, the endpoint and the
	// filters (limit excluded: a client may change its page size).
	digest [12]byte
}

var specVersionPattern = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{1,3}$`)

// values returns the comma-separated values of parameter name (repeated
// parameters add values), or nil.
func values(q url.Values, name string) ([]string, *Error) {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				return nil, badRequest(name + " has an empty value")
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) > maxMatchValues {
		return nil, badRequest(name + " has more than " + strconv.Itoa(maxMatchValues) + " values")
	}
	return out, nil
}

// single returns the one value of parameter name ("" when absent).
func single(q url.Values, name string) (string, *Error) {
	switch v := q[name]; {
	case len(v) == 0:
		return "", nil
	case len(v) > 1:
		return "", badRequest(name + " is given more than once")
	case v[0] == "":
		return "", badRequest(name + " is empty")
	default:
		return v[0], nil
	}
}

// parseListing reads the filters, limit and cursor of a paginated request
// on collection cid (and object oid for the object and versions
// endpoints).
func parseListing(q url.Values, ep endpoint, cid, oid string) (*listing, error) {
	if v, ok := q["next"]; ok && len(v) == 1 && v[0] == "" {
		// MISP sends next= on its first page: no cursor.
		delete(q, "next")
	}
	for name := range q {
		if !slices.Contains(params[ep], name) {
			return nil, badRequest("unsupported query parameter " + strconv.Quote(name) + "; this endpoint takes " + strings.Join(params[ep], ", "))
		}
	}
	l := &listing{q: hub.CollectionQuery{Limit: DefaultLimit, WithoutRaw: ep == epManifest || ep == epVersions}}
	canon := []string{string(ep), cid, oid}
	ids, e := values(q, "match[id]")
	if e != nil {
		return nil, e
	}
	for _, id := range ids {
		if _, _, err := stix.ParseIdentifier(id); err != nil {
			return nil, badRequest("match[id]: not a STIX identifier: " + strconv.Quote(id))
		}
	}
	if oid != "" {
		ids = []string{oid}
	}
	types, e := values(q, "match[type]")
	if e != nil {
		return nil, e
	}
	for _, t := range types {
		if !hub.ValidSTIXType(t) {
			return nil, badRequest("match[type]: not a STIX type: " + strconv.Quote(t))
		}
	}
	vers, e := values(q, "match[version]")
	if e != nil {
		return nil, e
	}
	for _, v := range vers {
		switch v {
		case "first":
			l.q.Versions.First = true
		case "last":
			l.q.Versions.Last = true
		case "all":
			l.q.Versions.All = true
		default:
			t, err := stix.ParseTimestamp(v)
			if err != nil {
				return nil, badRequest(`match[version] values are "first", "last", "all" or STIX timestamps`)
			}
			l.q.Versions.At = append(l.q.Versions.At, t.UTC().Truncate(time.Microsecond))
		}
	}
	if ep == epVersions {
		l.q.Versions = hub.VersionMatch{All: true}
	}
	specs, e := values(q, "match[spec_version]")
	if e != nil {
		return nil, e
	}
	for _, s := range specs {
		if !specVersionPattern.MatchString(s) {
			return nil, badRequest("match[spec_version] values are STIX versions such as 2.1")
		}
	}
	// Every stored object is STIX 2.1, the latest version this hub knows.
	l.none = len(specs) > 0 && !slices.Contains(specs, "2.1")
	if v, e := single(q, "added_after"); e != nil {
		return nil, e
	} else if v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, badRequest("added_after must be an RFC 3339 timestamp such as 2026-01-01T00:00:00.000000Z")
		}
		// date_added has microseconds: "after t" is "after t truncated".
		l.q.After = t.UTC().Truncate(time.Microsecond)
	}
	if v, e := single(q, "limit"); e != nil {
		return nil, e
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
			n, err = MaxLimit, nil // too large for an int: capped like any larger limit
		}
		if err != nil || n < 1 {
			return nil, badRequest("limit must be a positive integer (larger than " + strconv.Itoa(MaxLimit) + " is capped)")
		}
		l.q.Limit = min(n, MaxLimit)
	}
	slices.Sort(ids)
	slices.Sort(types)
	slices.Sort(vers)
	slices.Sort(specs)
	for _, list := range [][]string{ids, types, vers, specs} {
		canon = append(canon, strings.Join(list, ","))
	}
	canon = append(canon, strconv.FormatInt(l.q.After.UnixMicro(), 10), strconv.FormatBool(l.q.After.IsZero()))
	sum := sha256.Sum256([]byte("jag taxii next v1\x00" + strings.Join(canon, "\x00")))
	copy(l.digest[:], sum[:])
	l.q.IDs, l.q.Types = ids, types
	if v, e := single(q, "next"); e != nil {
		return nil, e
	} else if v != "" {
		pos, ok := l.parseNext(v)
		if !ok {
			return nil, badRequest("next is not a cursor of this request: pass it with the same collection, filters and added_after as the request that returned it")
		}
		if pos.After(l.q.After) {
			l.q.After = pos
		}
	}
	return l, nil
}

// nextVersion tags the cursor encoding.
const nextVersion = 1

// nextCursor is the opaque next value after an entry added at t: a
// version byte, t in microseconds and the request's digest, base64url.
// The position is the date_added of an entry the caller was shown, so
// the cursor reveals nothing it may not see; it needs no secret because
// a forged position is no more than an added_after the caller could send
// anyway, and it stays valid on every replica and across restarts.
func (l *listing) nextCursor(t time.Time) string {
	var b [1 + 8 + 12]byte
	b[0] = nextVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(t.UnixMicro()))
	copy(b[9:], l.digest[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseNext decodes a cursor of this request.
func (l *listing) parseNext(s string) (time.Time, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 21 || b[0] != nextVersion || string(b[9:]) != string(l.digest[:]) {
		return time.Time{}, false
	}
	us := int64(binary.BigEndian.Uint64(b[1:9]))
	if us <= 0 {
		return time.Time{}, false
	}
	return time.UnixMicro(us).UTC(), true
}
