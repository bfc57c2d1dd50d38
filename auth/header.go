package auth

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jag-hub/jag/auth/jcs"
)

// protectedHeader is a JOSE protected header reduced to the only members
// JAG accepts.
type protectedHeader struct {
	alg, kid, typ string
}

// parseHeader decodes and checks a base64url protected header: a JSON
// object with exactly the members alg, kid and typ, all strings, typ equal
// to one of wantTyp, alg one of Algorithms. Anything else (jwk, jku, x5u,
// x5c, crit, b64, duplicates, unknown members) is ErrHeader.
func parseHeader(b64 string, wantTyp ...string) (protectedHeader, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err != nil {
		return protectedHeader{}, fmt.Errorf("%w: %w: header encoding: %w", ErrMalformed, ErrHeader, err)
	}
	canonical, err := jcs.Transform(raw)
	if err != nil || canonical[0] != '{' {
		return protectedHeader{}, fmt.Errorf("%w: header is not a JSON object", ErrHeader)
	}
	for _, name := range memberNames(canonical) {
		if name != "alg" && name != "kid" && name != "typ" {
			return protectedHeader{}, fmt.Errorf("%w: member %q not allowed", ErrHeader, name)
		}
	}
	var h protectedHeader
	for _, m := range []struct {
		name string
		dst  *string
	}{{"alg", &h.alg}, {"kid", &h.kid}, {"typ", &h.typ}} {
		v, ok, err := stringMember(canonical, m.name)
		if err != nil || !ok || v == "" {
			return protectedHeader{}, fmt.Errorf("%w: %q must be a non-empty string", ErrHeader, m.name)
		}
		*m.dst = v
	}
	if !typeIn(h.typ, wantTyp) {
		return protectedHeader{}, fmt.Errorf("%w: typ %q", ErrHeader, h.typ)
	}
	if !typeIn(h.alg, Algorithms) {
		return protectedHeader{}, fmt.Errorf("%w: %w: %q", ErrHeader, ErrAlgorithm, h.alg)
	}
	if len(h.kid) > MaxKIDLength {
		return protectedHeader{}, fmt.Errorf("%w: kid too long", ErrHeader)
	}
	if !storableText(h.kid) {
		return protectedHeader{}, fmt.Errorf("%w: kid must be text without NUL", ErrHeader)
	}
	return h, nil
}

func typeIn(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// storableText reports whether s is valid UTF-8 without NUL: every string
// auth lets through to a key registry, a revocation list or a principal
// may be stored as PostgreSQL text (which refuses NUL), so anything else
// is refused as malformed input where it is parsed, never met as a
// database error later.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
