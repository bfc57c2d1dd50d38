package export

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jag-hub/jag/stix"
)

// Errors of this package; callers map them to "bad request".
var (
	ErrUnknownFormat = errors.New("export: unknown format")
	ErrBadFilter     = errors.New("export: bad filter")
)

// MaxFilterValues bounds each list of a filter.
const MaxFilterValues = 100

// maxFilterText bounds one label or creator (bytes).
const maxFilterText = 256

// FilterParams are the query parameters a Filter reads; each list
// parameter may be repeated (values OR-ed), the others given once.
var FilterParams = []string{"type", "label", "created_by", "min_confidence", "tlp", "valid_at", "include_revoked"}

// Filter selects the indicators an export holds: the latest version the
// viewer may see of every indicator that is valid at ValidAt (now when
// zero) and not revoked (unless IncludeRevoked), further narrowed by the
// conditions given (AND-ed; the values of one list OR-ed).
type Filter struct {
	// Types are observable kinds (ipv4, ipv6, domain, url, email, md5,
	// sha1, sha256, sha512, …): only observables of these kinds are
	// exported, and only indicators referencing one of them.
	Types []string
	// Labels: the indicator carries at least one of them.
	Labels []string
	// Creators: created_by_ref is one of these identity ids.
	Creators []string
	// MinConfidence: confidence at least this (0..100); indicators
	// without a confidence fail it. Nil: no condition.
	MinConfidence *int
	// TLP is a ceiling: only indicators marked at most this restrictive
	// (clear < green < amber < amber+strict < red). "" : no ceiling.
	TLP stix.TLP
	// ValidAt is the instant validity is judged at; zero means "now",
	// which makes the export change when an indicator expires.
	ValidAt time.Time
	// IncludeRevoked keeps indicators whose latest visible version is
	// revoked.
	IncludeRevoked bool
}

// ParseFilter reads a filter from query parameters; any parameter other
// than FilterParams and those in extra is refused.
func ParseFilter(q url.Values, extra ...string) (Filter, error) {
	var f Filter
	for name := range q {
		if !slices.Contains(FilterParams, name) && !slices.Contains(extra, name) {
			return f, fmt.Errorf("%w: unknown parameter %q", ErrBadFilter, name)
		}
	}
	list := func(name string, check func(string) error) ([]string, error) {
		vals := q[name]
		if len(vals) > MaxFilterValues {
			return nil, fmt.Errorf("%w: %s given more than %d times", ErrBadFilter, name, MaxFilterValues)
		}
		for _, v := range vals {
			if v == "" || len(v) > maxFilterText || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return nil, fmt.Errorf("%w: %s must be non-empty UTF-8 text of at most %d bytes", ErrBadFilter, name, maxFilterText)
			}
			if err := check(v); err != nil {
				return nil, fmt.Errorf("%w: %s %q: %w", ErrBadFilter, name, v, err)
			}
		}
		return vals, nil
	}
	one := func(name string) (string, bool, error) {
		vals := q[name]
		switch {
		case len(vals) == 0:
			return "", false, nil
		case len(vals) > 1:
			return "", false, fmt.Errorf("%w: %s given more than once", ErrBadFilter, name)
		}
		return vals[0], true, nil
	}
	var err error
	if f.Types, err = list("type", checkKind); err != nil {
		return f, err
	}
	if f.Labels, err = list("label", func(string) error { return nil }); err != nil {
		return f, err
	}
	if f.Creators, err = list("created_by", checkIdentity); err != nil {
		return f, err
	}
	if v, ok, err := one("min_confidence"); err != nil {
		return f, err
	} else if ok {
		c, perr := strconv.Atoi(v)
		if perr != nil || c < 0 || c > 100 || strconv.Itoa(c) != v {
			return f, fmt.Errorf("%w: min_confidence must be an integer between 0 and 100", ErrBadFilter)
		}
		f.MinConfidence = &c
	}
	if v, ok, err := one("tlp"); err != nil {
		return f, err
	} else if ok {
		t, perr := stix.ParseTLP(v)
		if perr != nil {
			return f, fmt.Errorf("%w: tlp must be clear, green, amber, amber+strict or red", ErrBadFilter)
		}
		f.TLP = t
	}
	if v, ok, err := one("valid_at"); err != nil {
		return f, err
	} else if ok {
		t, perr := time.Parse(time.RFC3339Nano, v)
		if perr != nil {
			return f, fmt.Errorf("%w: valid_at is not an RFC 3339 time", ErrBadFilter)
		}
		f.ValidAt = t.UTC()
	}
	if v, ok, err := one("include_revoked"); err != nil {
		return f, err
	} else if ok {
		switch v {
		case "true":
			f.IncludeRevoked = true
		case "false":
		default:
			return f, fmt.Errorf("%w: include_revoked must be true or false", ErrBadFilter)
		}
	}
	return f, nil
}

// checkKind accepts an observable kind as pattern extraction names them:
// lower-case letters, digits and '-'.
func checkKind(v string) error {
	if len(v) > 32 {
		return errors.New("is not an observable kind")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return errors.New("is not an observable kind (ipv4, ipv6, domain, url, email, md5, sha1, sha256, …)")
		}
	}
	return nil
}

func checkIdentity(v string) error {
	typ, _, err := stix.ParseIdentifier(v)
	if err != nil || typ != "identity" {
		return errors.New("is not an identity id")
	}
	return nil
}

// Query returns the canonical query string of f: parameters in the order
// of FilterParams, list values sorted and deduplicated, defaults left out.
// Two filters that select the same indicators for every store have the
// same canonical form, which is what named definitions store and what
// the entity tag covers. ParseFilter(Query()) gives f back.
func (f Filter) Query() string {
	var b strings.Builder
	add := func(name, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	for _, l := range []struct {
		name string
		vals []string
	}{{"type", f.Types}, {"label", f.Labels}, {"created_by", f.Creators}} {
		vals := slices.Clone(l.vals)
		slices.Sort(vals)
		for _, v := range slices.Compact(vals) {
			add(l.name, v)
		}
	}
	if f.MinConfidence != nil {
		add("min_confidence", strconv.Itoa(*f.MinConfidence))
	}
	if f.TLP != "" {
		add("tlp", string(f.TLP))
	}
	if !f.ValidAt.IsZero() {
		add("valid_at", f.ValidAt.UTC().Format(time.RFC3339Nano))
	}
	if f.IncludeRevoked {
		add("include_revoked", "true")
	}
	return b.String()
}

// Kinds returns the observable kinds format exports under f: the
// format's kinds narrowed by f.Types, or f.Types for formats that export
// every kind (nil: no condition). ok is false when the two do not
// intersect (the export is empty whatever the store holds).
func (f Filter) Kinds(format Format) (kinds []string, ok bool) {
	fk := format.Kinds()
	switch {
	case len(f.Types) == 0:
		return fk, true
	case fk == nil:
		return slices.Compact(slices.Sorted(slices.Values(f.Types))), true
	}
	for _, k := range fk {
		if slices.Contains(f.Types, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, len(kinds) > 0
}

// TLPRanks returns the stored TLP names at most as restrictive as the
// ceiling (nil: no ceiling).
func (f Filter) TLPRanks() []string {
	if f.TLP == "" {
		return nil
	}
	var out []string
	for _, t := range []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed} {
		if t.Rank() <= f.TLP.Rank() {
			out = append(out, string(t))
		}
	}
	return out
}
