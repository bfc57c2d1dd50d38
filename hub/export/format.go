package export

import (
	"fmt"
	"slices"
)

// Format names an export format; the names are the {format} of
// GET /v1/exports/{format}.
type Format string

// The formats.
const (
	IP       Format = "ip"
	Domain   Format = "domain"
	URL      Format = "url"
	SHA256   Format = "sha256"
	SHA1     Format = "sha1"
	MD5      Format = "md5"
	RPZ      Format = "rpz"
	Suricata Format = "suricata"
	CSV      Format = "csv"
	STIX     Format = "stix"
)

// Formats lists every format in documentation order.
var Formats = []Format{IP, Domain, URL, SHA256, SHA1, MD5, RPZ, Suricata, CSV, STIX}

// Need says what a store streams for a format and in which order.
type Need int

// The needs.
const (
	// NeedValues: distinct (Kind, Value) pairs of the kinds Kinds names,
	// without indicator properties. Addresses and networks (ipv4, ipv6)
	// come first, in inet order (address family, then network, then
	// prefix length); then domains holding non-ASCII bytes
	// (internationalised names, in any order); then every other value in
	// byte order of (Kind, Value).
	NeedValues Need = iota + 1
	// NeedRows: one Record per (indicator, observable) with the
	// indicator's properties, in (ID, Kind, Value) order.
	NeedRows
	// NeedIndicators: one Record per indicator with its properties and
	// Raw, in ID order.
	NeedIndicators
)

// Kinds returns the observable kinds a format exports: the list formats
// and rpz export values of those kinds only; csv, suricata and stix are
// not limited (nil). A "types" filter narrows further.
func (f Format) Kinds() []string {
	switch f {
	case IP:
		return []string{"ipv4", "ipv6"}
	case Domain:
		return []string{"domain"}
	case URL:
		return []string{"url"}
	case SHA256, SHA1, MD5:
		return []string{string(f)}
	case RPZ:
		return []string{"ipv4", "ipv6", "domain"}
	}
	return nil
}

// Need returns what the store streams for f.
func (f Format) Need() Need {
	switch f {
	case CSV:
		return NeedRows
	case Suricata, STIX:
		return NeedIndicators
	}
	return NeedValues
}

// ContentType is the media type of the format's body.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case STIX:
		return "application/stix+json;version=2.1"
	case RPZ:
		return "text/dns; charset=utf-8" // RFC 4027 zone file
	}
	return "text/plain; charset=utf-8"
}

// Extension is a file-name extension for the format.
func (f Format) Extension() string {
	switch f {
	case CSV:
		return ".csv"
	case STIX:
		return ".json"
	case RPZ:
		return ".zone"
	case Suricata:
		return ".rules"
	}
	return ".txt"
}

// ParseFormat returns the format named s, or ErrUnknownFormat.
func ParseFormat(s string) (Format, error) {
	if slices.Contains(Formats, Format(s)) {
		return Format(s), nil
	}
	return "", fmt.Errorf("%w: %q (one of ip, domain, url, sha256, sha1, md5, rpz, suricata, csv, stix)", ErrUnknownFormat, s)
}
