package pattern

import (
	"errors"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
)

// Value rules: the string forms STIX 2.1 fixes for some SCO properties.
// They apply to the property in an object (stix calls CheckValue) and to
// the right-hand side of "=", "!=", "IN", "ISSUBSET" and "ISSUPERSET" in a
// pattern (checkPropTest), so that a pattern cannot name a value no object
// could hold.

// CheckValue reports whether value is a valid value of property on an SCO
// of type objectType. It returns nil for properties without a string-form
// rule. The rules (STIX 2.1 section 6):
//
//   - ipv4-addr value (§6.4): an IPv4 address or CIDR; ipv6-addr value
//     (§6.5): an IPv6 address or CIDR; both in their standard textual form
//     (no leading zeros in IPv4 octets or prefix lengths, no zone, prefix
//     length within the family);
//   - url value (§6.12): an RFC 3986 URI (scheme required, no whitespace
//     or control characters);
//   - email-addr value (§6.6): a single addr-spec, without a display name;
//   - windows-registry-key key (§6.16): the hive in full
//     (HKEY_LOCAL_MACHINE, not HKLM), optionally followed by "\" and the
//     rest of the key.
func CheckValue(objectType, property, value string) error {
	if property == "key" {
		if objectType == "windows-registry-key" {
			return checkRegistryKey(value)
		}
		return nil
	}
	if property != "value" {
		return nil
	}
	switch objectType {
	case "ipv4-addr":
		return checkIP(value, true)
	case "ipv6-addr":
		return checkIP(value, false)
	case "url":
		return checkURL(value)
	case "email-addr":
		return checkEmail(value)
	}
	return nil
}

// checkIP checks an address or CIDR of one family. netip accepts only the
// standard forms: "999.1.1.1", "01.1.1.1", "1.2.3.4/33" and "1.2.3.4/01"
// all fail.
func checkIP(s string, v4 bool) error {
	family, other := "IPv6", "IPv4"
	if v4 {
		family, other = "IPv4", "IPv6"
	}
	var a netip.Addr
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return errors.New("must be an " + family + " address or CIDR (a prefix length without leading zeros, within the family), not " + quote(s))
		}
		a = p.Addr()
	} else {
		var err error
		a, err = netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return errors.New("must be an " + family + " address or CIDR, not " + quote(s))
		}
	}
	if a.Is4() != v4 {
		return errors.New("must be an " + family + " address or CIDR, not an " + other + " one")
	}
	return nil
}

// checkURL checks an RFC 3986 URI: a scheme, then anything net/url parses,
// with no whitespace or control characters.
func checkURL(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return errors.New("must be a URL (RFC 3986): no spaces or control characters")
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return errors.New("must be a URL (RFC 3986) with a scheme, not " + quote(s))
	}
	return nil
}

// checkEmail checks a bare addr-spec: RFC 5322 parsing must give back the
// value itself with no display name.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return errors.New("must be a single e-mail address without a display name, not " + quote(s))
	}
	return nil
}

// registryHives are the full names of the Windows registry root keys.
var registryHives = []string{
	"HKEY_CLASSES_ROOT", "HKEY_CURRENT_CONFIG", "HKEY_CURRENT_USER", "HKEY_DYN_DATA",
	"HKEY_LOCAL_MACHINE", "HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_NLSTEXT",
	"HKEY_PERFORMANCE_TEXT", "HKEY_USERS",
}

// checkRegistryKey checks that a key starts with a full hive name (case
// is preserved by producers but not significant to Windows).
func checkRegistryKey(s string) error {
	hive, _, _ := strings.Cut(s, `\`)
	for _, h := range registryHives {
		if strings.EqualFold(hive, h) {
			return nil
		}
	}
	return errors.New("must start with the full name of a registry hive (e.g. HKEY_LOCAL_MACHINE, not HKLM), not " + quote(hive))
}

// quote quotes a value for a message, shortened.
func quote(s string) string {
	var b strings.Builder
	writeQuoted(&b, snippet(s))
	return b.String()
}
