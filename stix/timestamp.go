package stix

import (
	"errors"
	"fmt"
	"time"
)

// ErrTimestamp is matched by every error ParseTimestamp returns.
var ErrTimestamp = errors.New("stix: invalid timestamp")

// ParseTimestamp parses a STIX 2.1 timestamp: the RFC 3339 subset
// YYYY-MM-DDTHH:MM:SS[.s{1,9}]Z, upper-case T and Z, UTC only, a valid
// calendar date and no leap second (STIX forbids 60 seconds).
func ParseTimestamp(s string) (time.Time, error) {
	const base = len("2006-01-02T15:04:05Z")
	if len(s) < base {
		return time.Time{}, fmt.Errorf("%w %q: want YYYY-MM-DDTHH:MM:SS[.fraction]Z", ErrTimestamp, s)
	}
	bad := func(what string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%w %q: %s", ErrTimestamp, s, what)
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	if s[10] != 'T' {
		return bad("date and time must be separated by upper-case T")
	}
	if s[len(s)-1] != 'Z' {
		return bad("must end in upper-case Z (UTC, no offset)")
	}
	nsec := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
		}
		digits := rest[1:]
		if len(digits) > 9 {
			return bad("more than 9 fraction digits")
		}
		f, ok := num(20, len(digits))
		if !ok {
			return bad("fraction must be digits")
		}
		for range 9 - len(digits) {
			f *= 10
		}
		nsec = f
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return bad("no such date")
	}
	if hour > 23 || minute > 59 {
		return bad("no such time")
	}
	if sec > 59 {
		return bad("seconds must be 00-59 (no leap seconds)")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
