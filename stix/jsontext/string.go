package jsontext

import (
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// plain marks the bytes a string may hold as they are: printable ASCII
// other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Eight bytes at a time (SWAR): lo has 0x01 in every byte, hi 0x80.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// special reports whether some byte of w is not plain: '"', '\\', a
// control character or a non-ASCII byte. (x-lo)&^x&hi is non-zero exactly
// when some byte of x is zero; (w-0x20*lo)&^w&hi when some byte is below
// 0x20.
func special(w uint64) bool {
	q := w ^ ('"' * lo)
	b := w ^ ('\\' * lo)
	return ((q-lo)&^q|(b-lo)&^b|(w-0x20*lo)&^w|w)&hi != 0
}

// string reads the string whose opening quote is at r.pos into t.
func (r *Reader) string(t *Token) error {
	d := r.data
	start := r.pos
	i := start + 1
	// Past stop the string is longer than maxString (or unterminated).
	stop := min(len(d), start+2+r.maxString)
	for i+8 <= stop && !special(binary.LittleEndian.Uint64(d[i:])) {
		i += 8
	}
	for i < stop && plain[d[i]] {
		i++
	}
	if i < stop && d[i] == '"' {
		r.pos = i + 1
		t.Start, t.End, t.Text = start, r.pos, d[start+1:i:i]
		return nil
	}
	return r.slowString(t, start, i, stop)
}

// slowString continues the string at start from i, where the plain run
// ended: it validates UTF-8 and decodes escapes into r.buf, copying only
// once the first escape is met.
func (r *Reader) slowString(t *Token, start, i, stop int) error {
	d := r.data
	t.Start = start
	for {
		for i < stop && plain[d[i]] {
			if t.Escaped {
				r.buf = append(r.buf, d[i])
			}
			i++
		}
		if i >= stop {
			if stop < len(d) {
				return &Error{Offset: start, Msg: "string longer than " + strconv.Itoa(r.maxString) + " bytes", Limit: true}
			}
			return r.fail(i, "unexpected end of input in string")
		}
		switch c := d[i]; {
		case c == '"':
			r.pos = i + 1
			t.End = r.pos
			if t.Escaped {
				t.Text = r.buf
			} else {
				t.Text = d[start+1 : i : i]
			}
			return nil
		case c < 0x20:
			return r.fail(i, "control character in string must be escaped")
		case c == '\\':
			if !t.Escaped {
				t.Escaped = true
				r.buf = append(r.buf[:0], d[start+1:i]...)
			}
			ch, n, err := r.escape(i)
			if err != nil {
				return err
			}
			if ch == 0 {
				t.NUL = true
			}
			r.buf = utf8.AppendRune(r.buf, ch)
			i += n
		default:
			ch, n := utf8.DecodeRune(d[i:])
			if ch == utf8.RuneError && n <= 1 {
				return r.fail(i, "invalid UTF-8 in string")
			}
			if t.Escaped {
				r.buf = append(r.buf, d[i:i+n]...)
			}
			i += n
		}
	}
}

// escape decodes the escape sequence at d[i] == '\\' and returns the rune
// and the number of input bytes it takes. Surrogates must come in valid
// pairs.
func (r *Reader) escape(i int) (rune, int, error) {
	d := r.data
	if i+1 >= len(d) {
		return 0, 0, r.fail(i, "unexpected end of input in escape")
	}
	switch d[i+1] {
	case '"':
		return '"', 2, nil
	case '\\':
		return '\\', 2, nil
	case '/':
		return '/', 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
		ch, ok := hex4(d, i+2)
		if !ok {
			return 0, 0, r.fail(i, `invalid \u escape`)
		}
		if !utf16.IsSurrogate(ch) {
			return ch, 6, nil
		}
		if ch >= 0xDC00 {
			return 0, 0, r.fail(i, `lone low surrogate in \u escape`)
		}
		if i+7 < len(d) && d[i+6] == '\\' && d[i+7] == 'u' {
			if lo, ok := hex4(d, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				return utf16.DecodeRune(ch, lo), 12, nil
			}
		}
		return 0, 0, r.fail(i, `lone high surrogate in \u escape`)
	default:
		return 0, 0, r.fail(i, "invalid escape character "+strconv.QuoteRune(rune(d[i+1])))
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var ch rune
	for _, c := range d[i : i+4] {
		ch <<= 4
		switch {
		case c >= '0' && c <= '9':
			ch |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			ch |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			ch |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return ch, true
}
