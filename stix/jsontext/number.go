package jsontext

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// number reads a number with exactly the RFC 8259 grammar: no leading
// zeros, no '+', no bare '.' or exponent without digits.
func (r *Reader) number(t *Token) error {
	d := r.data
	start := r.pos
	i := start
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
		if i < len(d) && d[i] >= '0' && d[i] <= '9' {
			return r.fail(start, "invalid number: leading zero")
		}
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return r.fail(i, "invalid number")
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			return r.fail(j, "invalid number: digit expected after '.'")
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return r.fail(j, "invalid number: digit expected in exponent")
		}
		i = j
	}
	if i-start > r.maxString {
		return &Error{Offset: start, Msg: "number literal too long", Limit: true}
	}
	r.pos = i
	t.Kind, t.Start, t.End, t.Text = Number, start, i, d[start:i:i]
	return nil
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// Float returns the IEEE 754 double nearest to lit, a number literal read
// by a Reader, and false when no double represents it: its magnitude
// overflows to infinity (1e400). I-JSON (RFC 7493) and so JCS (RFC 8785)
// have no such numbers. Literals too small for a double underflow to zero
// or a subnormal, as in every JSON implementation, and are representable.
func Float(lit []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(lit), 64)
	if math.IsInf(f, 0) || (err != nil && !errors.Is(err, strconv.ErrRange)) {
		return 0, false
	}
	return f, true
}

// Representable reports whether Float(lit) succeeds, cheaply for the
// literals that cannot overflow.
func Representable(lit []byte) bool {
	if len(lit) <= 300 && !bytes.ContainsAny(lit, "eE") {
		return true // below 1e300
	}
	_, ok := Float(lit)
	return ok
}
