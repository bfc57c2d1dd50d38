package stix

import (
	"errors"
	"fmt"
	"strings"
)

// ErrIdentifier is matched by every error ParseIdentifier returns.
var ErrIdentifier = errors.New("stix: invalid identifier")

// ParseIdentifier splits a STIX identifier "type--UUID" into its object type
// and UUID. The type must be a valid STIX type name and the UUID an RFC 4122
// UUID in its lower-case or upper-case hyphenated form (variant 10xx, any
// version 1-5: the specification requires v4 for SDOs/SROs/SMOs only as a
// SHOULD, and v5 for SCOs as a SHOULD).
func ParseIdentifier(id string) (typ, uuid string, err error) {
	typ, uuid, ok := strings.Cut(id, "--")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want type--UUID", ErrIdentifier, id)
	}
	if !validTypeName(typ) {
		return "", "", fmt.Errorf("%w %q: %q is not a valid STIX type name", ErrIdentifier, id, typ)
	}
	if !validUUID(uuid) {
		return "", "", fmt.Errorf("%w %q: %q is not an RFC 4122 UUID", ErrIdentifier, id, uuid)
	}
	return typ, uuid, nil
}

// validTypeName reports whether s is a STIX type name: 3-250 characters of
// a-z, 0-9 and '-', starting with a letter, no "--" and not "action"
// (reserved).
func validTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || s == "action" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if i > 0 && s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validUUID reports whether s is an RFC 4122 UUID (8-4-4-4-12 hex digits,
// version 1-5, variant 10xx). Mixed case is accepted as the OASIS schema
// does.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !isHex(c) {
			return false
		}
	}
	if s[14] < '1' || s[14] > '5' {
		return false
	}
	switch s[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
