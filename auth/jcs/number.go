package jcs

import (
	"bytes"
	"math"
	"strconv"

	"github.com/jag-hub/jag/stix/jsontext"
)

// number writes the ECMAScript serialisation of a number token, refusing
// the numbers no double represents (jsontext.Float).
func (e *encoder) number(t *jsontext.Token) error {
	text := t.Text
	// Integers of up to 15 digits are exact doubles whose ECMAScript form
	// is the text itself, except negative zero.
	digits := len(text)
	if text[0] == '-' {
		digits--
	}
	if digits <= 15 && !bytes.ContainsAny(text, ".eE") {
		if string(text) == "-0" {
			e.out = append(e.out, '0')
		} else {
			e.out = append(e.out, text...)
		}
		return nil
	}
	f, ok := jsontext.Float(text)
	if !ok {
		return &SyntaxError{Offset: t.Start, Msg: "number out of range"}
	}
	e.out = AppendNumber(e.out, f)
	return nil
}

// AppendNumber appends the ECMAScript Number.prototype.toString form of f
// (RFC 8785 section 3.2.2.3) to dst. f must be finite.
func AppendNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // also -0
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	var buf [32]byte
	// Shortest round-tripping digits, as d.ddddde±x.
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	ePos := 0
	for ePos < len(s) && s[ePos] != 'e' {
		ePos++
	}
	var digits [24]byte
	k := 0
	for _, c := range s[:ePos] {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	exp, _ := strconv.Atoi(string(s[ePos+1:]))
	n := exp + 1 // value = 0.d1..dk × 10^n
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits[:k]...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:k]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, digits[:k]...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:k]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}
