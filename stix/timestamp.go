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
		return time.Time{}, timestampError(s, "want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, timestampError(s, "want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	if s[10] != 'T' {
		return time.Time{}, timestampError(s, "date and time must be separated by upper-case T")
	}
	if s[len(s)-1] != 'Z' {
		return time.Time{}, timestampError(s, "must end in upper-case Z (UTC, no offset)")
	}
	nsec := 0
	if rest := s[19 : len(s)-1]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return time.Time{}, timestampError(s, "want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
		}
		frac := rest[1:]
		if len(frac) > 9 {
			return time.Time{}, timestampError(s, "more than 9 fraction digits")
		}
		f, ok := digits(frac)
		if !ok {
			return time.Time{}, timestampError(s, "fraction must be digits")
		}
		for range 9 - len(frac) {
			f *= 10
		}
		nsec = f
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return time.Time{}, timestampError(s, "no such date")
	}
	if hour > 23 || minute > 59 {
		return time.Time{}, timestampError(s, "no such time")
	}
	if sec > 59 {
		return time.Time{}, timestampError(s, "seconds must be 00-59 (no leap seconds)")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), nil
}

func timestampError(s, why string) error {
	return fmt.Errorf("%w %q: %s", ErrTimestamp, s, why)
}

// digits parses a short run of ASCII digits.
func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn returns the number of days of a month in the proleptic Gregorian
// calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
