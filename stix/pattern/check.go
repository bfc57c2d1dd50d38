package pattern

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp/syntax"
	"strings"
)

// Semantic checks: what STIXPattern.g4 cannot express but the STIX 2.1
// specification requires.

// maxNameLength bounds object types, property names and dictionary keys
// (STIX 2.1 sections 3.1 and 3.3).
const maxNameLength = 250

// checkObjectType enforces the STIX type-name rule of the JSON schemas
// (common/cyber-observable-core.json): ^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$,
// 3 to 250 characters. The grammar accepts any identifier.
func checkObjectType(t token) *Error {
	s := t.text
	bad := len(s) < 3 || len(s) > maxNameLength || s[0] < 'a' || s[0] > 'z'
	for i := 1; i < len(s) && !bad; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || isDigit(c):
		case c == '-':
			bad = s[i-1] == '-'
		default:
			bad = true
		}
	}
	if bad {
		return newError(t.pos, "invalid object type %q: want 3-250 characters of a-z, 0-9 and single hyphens, starting with a letter", snippet(s))
	}
	return nil
}

// checkKey validates a path key. The first key names a property of the
// object: a-z, 0-9 and '_' (STIX 2.1 section 3.1; predefined names such as
// "id" are shorter than the 3 characters custom names need, so no minimum
// is enforced). Later keys may also be dictionary keys or extension
// names, so they are only required to be 1-250 characters long.
func checkKey(t token, first bool) *Error {
	k := t.val
	if k == "" || len(k) > maxNameLength {
		return newError(t.pos, "key %s must be 1-%d characters long", snippet(t.text), maxNameLength)
	}
	if !first {
		return nil
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return newError(t.pos, "invalid property name %s: want a-z, 0-9 and '_'", snippet(t.text))
		}
	}
	return nil
}

// checkPropTest validates the literal against the operator and, for the
// properties CheckValue constrains, against the property.
func checkPropTest(t *PropTest) *Error {
	if t.Op == OpIn {
		return checkSet(t)
	}
	v := t.Value
	switch t.Op {
	case OpMatches:
		// The expression must compile with Go's regexp (RE2 syntax), whose
		// matching time is linear in the input: "(a+)+$" is accepted and
		// harmless. PCRE-only constructs (back-references, look-around)
		// are rejected. Parsing with the flags regexp.Compile uses is the
		// whole of that check (compiling a parsed expression cannot fail)
		// and, unlike compiling, does not expand counted repetitions, so
		// a pattern full of "MATCHES '.{1000}.{1000}'" stays cheap.
		if _, err := syntax.Parse(v.Str, syntax.Perl); err != nil {
			msg := err.Error()
			if serr, ok := err.(*syntax.Error); ok {
				msg = fmt.Sprintf("%s: `%s`", serr.Code, snippet(serr.Expr))
			}
			return newError(v.Position, "invalid MATCHES regular expression: %s", msg)
		}
	case OpIsSubset, OpIsSuperset:
		// ISSUBSET and ISSUPERSET compare IP networks (STIX 2.1 section
		// 9.6), so the right-hand side must be an address or a CIDR.
		if _, ok := parseNet(v.Str); !ok {
			return newError(v.Position, "%s needs an IP address or CIDR, not %s", t.Op, snippet(v.Raw))
		}
	}
	return checkValueOf(t.Path, t.Op, v)
}

// parseNet parses an IP address or CIDR.
func parseNet(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		return p, err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// decodeHex decodes a body the lexer has checked.
func decodeHex(v string) []byte {
	b, _ := hex.DecodeString(v)
	return b
}

// checkSet checks an IN set: its members share one type (integers and
// floats are both numbers) and each is a valid value of the property.
func checkSet(t *PropTest) *Error {
	for _, v := range t.Set {
		if !sameType(v.Kind, t.Set[0].Kind) {
			return newError(v.Position, "the members of an IN set must all have one type: %s is of type %s, the first member of type %s",
				snippet(v.Raw), v.Kind, t.Set[0].Kind)
		}
		if err := checkValueOf(t.Path, t.Op, v); err != nil {
			return err
		}
	}
	return nil
}

func sameType(a, b LiteralKind) bool {
	number := func(k LiteralKind) bool { return k == KindInt || k == KindFloat }
	return a == b || number(a) && number(b)
}

// checkValueOf applies CheckValue to a string literal compared for
// equality or membership with a top-level property of an SCO type.
func checkValueOf(path *ObjectPath, op Operator, v *Literal) *Error {
	switch op {
	case OpEqual, OpNotEqual, OpIn, OpIsSubset, OpIsSuperset:
	default:
		return nil
	}
	if v.Kind != KindString || len(path.Steps) != 1 || path.Steps[0].Kind != StepKey {
		return nil
	}
	if err := CheckValue(path.ObjectType, path.Steps[0].Key, v.Str); err != nil {
		return newError(v.Position, "%s %s", path, err.Error())
	}
	return nil
}
