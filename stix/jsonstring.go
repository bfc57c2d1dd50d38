package stix

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// memberName parses a member name, returning the package's constant for
// the common STIX property names so that decoding a bundle does not
// allocate the same few names thousands of times.
func (p *parser) memberName() (string, bool, *DecodeError) {
	d := p.data
	if end := p.pos + 1 + maxInternedLen; end < len(d) {
		if q := bytes.IndexByte(d[p.pos+1:end], '"'); q > 0 {
			if k, ok := internedName(d[p.pos+1 : p.pos+1+q]); ok {
				p.pos += q + 2
				return k, false, nil
			}
		}
	}
	return p.string()
}

// string parses a JSON string starting at the opening quote. It returns the
// decoded text and whether it contains U+0000.
func (p *parser) string() (string, bool, *DecodeError) {
	d := p.data
	start := p.pos
	p.pos++
	// Fast path: printable ASCII without escapes.
	i := p.pos
	end := min(len(d), p.pos+p.lim.MaxString+1)
	for i < end {
		c := d[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	if i-p.pos > p.lim.MaxString {
		return "", false, p.tooLarge(start, "string longer than "+strconv.Itoa(p.lim.MaxString)+" bytes")
	}
	if i < len(d) && d[i] == '"' {
		s := string(d[p.pos:i])
		p.pos = i + 1
		return s, false, nil
	}
	return p.slowString(start, i)
}

// slowString handles escapes and non-ASCII text; from is where the fast path
// stopped.
func (p *parser) slowString(start, from int) (string, bool, *DecodeError) {
	d := p.data
	buf := make([]byte, 0, from-p.pos+16)
	buf = append(buf, d[p.pos:from]...)
	i := from
	nul := false
	for {
		if i-start-1 > p.lim.MaxString {
			return "", false, p.tooLarge(start, "string longer than "+strconv.Itoa(p.lim.MaxString)+" bytes")
		}
		if i >= len(d) {
			return "", false, p.fail(i, "unexpected end of input in string")
		}
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(buf), nul, nil
		case c < 0x20:
			return "", false, p.fail(i, "control character in string must be escaped")
		case c == '\\':
			r, n, err := p.escape(i)
			if err != nil {
				return "", false, err
			}
			if r == 0 {
				nul = true
			}
			buf = utf8.AppendRune(buf, r)
			i += n
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, n := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false, p.fail(i, "invalid UTF-8 in string")
			}
			buf = append(buf, d[i:i+n]...)
			i += n
		}
	}
}

// escape decodes the escape sequence at d[i] == '\\' and returns the rune
// and the number of input bytes consumed. Surrogates must come in valid
// pairs.
func (p *parser) escape(i int) (rune, int, *DecodeError) {
	d := p.data
	if i+1 >= len(d) {
		return 0, 0, p.fail(i, "unexpected end of input in escape")
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
		r, ok := hex4(d, i+2)
		if !ok {
			return 0, 0, p.fail(i, `invalid \u escape`)
		}
		if !utf16.IsSurrogate(r) {
			return r, 6, nil
		}
		if r >= 0xDC00 {
			return 0, 0, p.fail(i, "lone low surrogate in \\u escape")
		}
		if i+7 < len(d) && d[i+6] == '\\' && d[i+7] == 'u' {
			if r2, ok := hex4(d, i+8); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
				return utf16.DecodeRune(r, r2), 12, nil
			}
		}
		return 0, 0, p.fail(i, "lone high surrogate in \\u escape")
	default:
		return 0, 0, p.fail(i, "invalid escape character "+strconv.QuoteRune(rune(d[i+1])))
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
