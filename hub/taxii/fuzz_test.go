package taxii

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

// FuzzParseListing: any query string is either a listing whose cursor
// round-trips or a TAXII 400, never a panic.
func FuzzParseListing(f *testing.F) {
	for _, s := range []string{"", "limit=10", "match[version]=first,last,2026-01-01T00:00:00Z", "match[id]=indicator--00000000-0000-4000-8000-000000000000",
		"added_after=2026-01-01T00:00:00.123456789Z&next=AQAAAAAAAAAAAAAAAAAAAAAAAAAA", "match[spec_version]=2.0,2.1&match[type]=indicator,malware", "next=&limit=99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, ep := range []endpoint{epObjects, epManifest, epObject, epVersions} {
			oid := ""
			if ep == epObject || ep == epVersions {
				oid = "indicator--00000000-0000-4000-8000-000000000000"
			}
			l, err := parseListing(q, ep, "c", oid)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Status != 400 {
					t.Fatalf("%q: %v is not a TAXII 400", raw, err)
				}
				continue
			}
			if l.q.Limit < 1 || l.q.Limit > MaxLimit {
				t.Fatalf("%q: limit %d", raw, l.q.Limit)
			}
			at := time.UnixMicro(1_800_000_000_000_000).UTC()
			if pos, ok := l.parseNext(l.nextCursor(at)); !ok || !pos.Equal(at) {
				t.Fatalf("%q: cursor does not round-trip", raw)
			}
		}
	})
}

// FuzzAcceptable: any Accept header is decided without a panic, and the
// exact TAXII media type is always acceptable when listed first.
func FuzzAcceptable(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/taxii+json;version=2.1", "text/html;q=0.9, application/*;q=0", "application/taxii+json;q=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		acceptable([]string{h})
		if !acceptable([]string{MediaType + "," + h}) && len(MediaType+","+h) <= maxAcceptBytes {
			t.Fatalf("%q: the TAXII media type listed first is refused", h)
		}
	})
}
