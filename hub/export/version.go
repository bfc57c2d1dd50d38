package export

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Version is what an export's bytes depend on besides its format, its
// filter and what its viewer may see. Every field derives from indicator
// versions the viewer may see; none from hidden ones.
type Version struct {
	// Position is the feed position (event sequence number) of the
	// latest indicator version the viewer may see (among the creators and
	// TLP levels the filter allows). Event appends are serialised, so a
	// new visible version always raises it, and it never falls.
	Position int64
	// Received is when the hub received that latest visible version.
	Received time.Time
	// LastBoundary is the latest validity boundary (valid_from or
	// valid_until) at or before the validity instant among the matching
	// indicators (zero: none).
	LastBoundary time.Time
	// NextBoundary is the earliest validity boundary after the validity
	// instant among the matching indicators: the export changes then,
	// with or without a new version. Zero when there is none, or when the
	// filter fixes valid_at.
	NextBoundary time.Time
}

// LastModified is when the export last changed: the later of Received
// and LastBoundary, to the second (HTTP dates have no finer unit).
func (v Version) LastModified() time.Time {
	t := v.Received
	if v.LastBoundary.After(t) {
		t = v.LastBoundary
	}
	return t.UTC().Truncate(time.Second)
}

// Serial is the rpz SOA serial: LastModified in Unix seconds, so it
// increases with the feed position and when a validity boundary passes
// (RFC 1982 arithmetic holds until 2106).
func (v Version) Serial() uint32 {
	s := v.LastModified().Unix()
	if s < 1 {
		return 1
	}
	return uint32(s)
}

// Tag returns the strong entity tag of an export: a digest of format,
// filter (canonical form), viewer (the org and tier the visibility rule
// reads) and position, followed by the next validity boundary in Unix
// microseconds (0 for none). Within one position the content only
// changes at validity boundaries, so (position, next boundary) names one
// content exactly. The position itself is not exposed, only its digest.
func Tag(f Format, filter Filter, viewer string, position int64, next time.Time) string {
	nb := int64(0)
	if !next.IsZero() {
		nb = next.UnixMicro()
	}
	h := sha256.New()
	for _, part := range []string{"jag-export-v1", string(f), filter.Query(), viewer,
		strconv.FormatInt(position, 10), strconv.FormatInt(nb, 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + "." + strconv.FormatInt(nb, 10) + `"`
}

// VersionTag is Tag for a full Version.
func VersionTag(f Format, filter Filter, viewer string, v Version) string {
	return Tag(f, filter, viewer, v.Position, v.NextBoundary)
}

// NotModified reports whether an If-None-Match header value names the
// current export: "*", or a tag (weak or strong: If-None-Match compares
// weakly) equal to what tag computes for the next boundary the tag
// carries, while that boundary has not passed at now. It needs only the
// current position, never the exported rows.
func NotModified(ifNoneMatch string, now time.Time, tag func(next time.Time) string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" {
			return true
		}
		if len(t) < 2 || t[0] != '"' || t[len(t)-1] != '"' {
			continue
		}
		_, nbText, ok := strings.Cut(t[1:len(t)-1], ".")
		if !ok {
			continue
		}
		nb, err := strconv.ParseInt(nbText, 10, 64)
		if err != nil || nb < 0 || strconv.FormatInt(nb, 10) != nbText {
			continue
		}
		var next time.Time
		if nb != 0 {
			next = time.UnixMicro(nb)
			if !now.Before(next) {
				continue
			}
		}
		if tag(next) == t {
			return true
		}
	}
	return false
}
