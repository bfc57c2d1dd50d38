package jcs

import (
	"bytes"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// Transform returns the RFC 8785 canonical form of the JSON text data.
func Transform(data []byte) ([]byte, error) {
	return AppendTransform(make([]byte, 0, len(data)), data)
}

// AppendTransform appends the canonical form of data to dst and returns the
// extended slice. Reusing dst avoids an allocation on hot paths.
func AppendTransform(dst, data []byte) ([]byte, error) {
	return transform(dst, data, nil)
}

// TransformWithout returns the canonical form of the JSON object data with
// the member at path (a list of member names from the top level down, e.g.
// "extensions", id, "signature") left out. Data that lacks the member
// transforms as with Transform. It is how a detached signature is checked
// against the document that carries it.
func TransformWithout(data []byte, path ...string) ([]byte, error) {
	return transform(make([]byte, 0, len(data)), data, path)
}

func transform(dst, data []byte, omit []string) ([]byte, error) {
	e := encoder{in: data, out: dst, omit: omit}
	e.skipSpace()
	match := -1
	if len(omit) > 0 {
		match = 0
	}
	if err := e.value(0, match); err != nil {
		return nil, err
	}
	e.skipSpace()
	if e.pos != len(e.in) {
		return nil, e.fail("trailing data after the JSON value")
	}
	return e.out, nil
}

// member is one object member already written to out[start:end]; name is
// its decoded name (a sub-slice of the input unless it had escapes).
type member struct {
	name       []byte
	start, end int
}

// encoder reads in and writes the canonical form to out in one pass.
type encoder struct {
	in      []byte
	pos     int
	out     []byte
	omit    []string
	members []member // stack shared by the objects being read, innermost last
	scratch []byte   // reused when an object's members must be reordered
}

func (e *encoder) fail(msg string) error {
	return &SyntaxError{Offset: e.pos, Msg: msg}
}

func (e *encoder) skipSpace() {
	for e.pos < len(e.in) {
		switch e.in[e.pos] {
		case ' ', '\t', '\n', '\r':
			e.pos++
		default:
			return
		}
	}
}

// value reads one JSON value. match is how many names of e.omit the path to
// this value has matched so far, or -1 when the path has left e.omit.
func (e *encoder) value(depth, match int) error {
	if e.pos >= len(e.in) {
		return e.fail("unexpected end of input")
	}
	switch c := e.in[e.pos]; {
	case c == '{':
		return e.object(depth+1, match)
	case c == '[':
		return e.array(depth + 1)
	case c == '"':
		_, err := e.string(true)
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return e.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(e.in)-e.pos >= len(lit) && string(e.in[e.pos:e.pos+len(lit)]) == lit {
				e.out = append(e.out, lit...)
				e.pos += len(lit)
				return nil
			}
		}
		return e.fail("invalid character")
	}
}

func (e *encoder) array(depth int) error {
	if depth > MaxDepth {
		return e.fail("nesting too deep")
	}
	e.pos++ // '['
	e.out = append(e.out, '[')
	e.skipSpace()
	if e.pos < len(e.in) && e.in[e.pos] == ']' {
		e.pos++
		e.out = append(e.out, ']')
		return nil
	}
	for {
		e.skipSpace()
		if err := e.value(depth, -1); err != nil {
			return err
		}
		e.skipSpace()
		if e.pos >= len(e.in) {
			return e.fail("unexpected end of input in array")
		}
		switch e.in[e.pos] {
		case ',':
			e.pos++
			e.out = append(e.out, ',')
		case ']':
			e.pos++
			e.out = append(e.out, ']')
			return nil
		default:
			return e.fail("expected ',' or ']' in array")
		}
	}
}

func (e *encoder) object(depth, match int) error {
	if depth > MaxDepth {
		return e.fail("nesting too deep")
	}
	e.pos++ // '{'
	e.out = append(e.out, '{')
	start := len(e.out)
	base := len(e.members)
	defer func() { e.members = e.members[:base] }()
	e.skipSpace()
	if e.pos < len(e.in) && e.in[e.pos] == '}' {
		e.pos++
		e.out = append(e.out, '}')
		return nil
	}
	sorted, omitted := true, false
	for {
		e.skipSpace()
		if e.pos >= len(e.in) || e.in[e.pos] != '"' {
			return e.fail("expected member name")
		}
		mstart := len(e.out)
		if len(e.members) > base {
			e.out = append(e.out, ',')
			mstart++
		}
		name, err := e.string(false)
		if err != nil {
			return err
		}
		e.skipSpace()
		if e.pos >= len(e.in) || e.in[e.pos] != ':' {
			return e.fail("expected ':' after member name")
		}
		e.pos++
		e.out = append(e.out, ':')
		e.skipSpace()
		next := -1
		if match >= 0 && match < len(e.omit) && string(name) == e.omit[match] {
			next = match + 1
		}
		if err := e.value(depth, next); err != nil {
			return err
		}
		if next == len(e.omit) {
			if omitted {
				return e.fail("duplicate member name " + string(name))
			}
			omitted = true
			// The omitted member: drop what was written, comma included.
			e.out = e.out[:mstart]
			if len(e.members) > base {
				e.out = e.out[:mstart-1]
			}
		} else {
			if len(e.members) > base && compareUTF16(e.members[len(e.members)-1].name, name) >= 0 {
				sorted = false
			}
			e.members = append(e.members, member{name: name, start: mstart, end: len(e.out)})
		}
		e.skipSpace()
		if e.pos >= len(e.in) {
			return e.fail("unexpected end of input in object")
		}
		if e.in[e.pos] == ',' {
			e.pos++
			continue
		}
		if e.in[e.pos] != '}' {
			return e.fail("expected ',' or '}' in object")
		}
		e.pos++
		break
	}
	if !sorted {
		if err := e.reorder(start, e.members[base:]); err != nil {
			return err
		}
	}
	e.out = append(e.out, '}')
	return nil
}

// reorder rewrites out[start:] with the members sorted by name, refusing
// duplicate names.
func (e *encoder) reorder(start int, ms []member) error {
	e.scratch = append(e.scratch[:0], e.out[start:]...)
	for i := range ms {
		ms[i].start -= start
		ms[i].end -= start
	}
	slices.SortStableFunc(ms, func(a, b member) int { return compareUTF16(a.name, b.name) })
	e.out = e.out[:start]
	for i, m := range ms {
		if i > 0 {
			if bytes.Equal(ms[i-1].name, m.name) {
				return e.fail("duplicate member name " + string(m.name))
			}
			e.out = append(e.out, ',')
		}
		e.out = append(e.out, e.scratch[m.start:m.end]...)
	}
	return nil
}

// compareUTF16 orders two UTF-8 names by their UTF-16 code units (RFC 8785
// section 3.2.3). Byte order is code point order; it differs from UTF-16
// order only where a supplementary character (UTF-16 surrogates, 0xD800..)
// meets a character in U+E000..U+FFFF (UTF-8 lead bytes 0xEE, 0xEF).
func compareUTF16(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x >= 0xF0 && (y == 0xEE || y == 0xEF) {
			return -1
		}
		if y >= 0xF0 && (x == 0xEE || x == 0xEF) {
			return 1
		}
		if x < y {
			return -1
		}
		return 1
	}
	return len(a) - len(b)
}

// string reads a JSON string, writes its canonical form to out and returns
// its decoded bytes when isValue is false (member names are needed for
// ordering); the result aliases the input when the string has no escapes.
func (e *encoder) string(isValue bool) ([]byte, error) {
	e.pos++ // opening quote
	begin := e.pos
	e.out = append(e.out, '"')
	outBegin := len(e.out)
	escaped := false
	for {
		// Copy the longest run that needs no attention.
		run := e.pos
		for run < len(e.in) {
			c := e.in[run]
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			run++
		}
		e.out = append(e.out, e.in[e.pos:run]...)
		e.pos = run
		if e.pos >= len(e.in) {
			return nil, e.fail("unterminated string")
		}
		c := e.in[e.pos]
		switch {
		case c == '"':
			e.pos++
			var name []byte
			if !isValue {
				if escaped {
					name = decodeCanonical(e.out[outBegin:])
				} else {
					name = e.in[begin : e.pos-1]
				}
			}
			e.out = append(e.out, '"')
			return name, nil
		case c < 0x20:
			return nil, e.fail("control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(e.in[e.pos:])
			if r == utf8.RuneError && size == 1 {
				return nil, e.fail("invalid UTF-8")
			}
			e.out = append(e.out, e.in[e.pos:e.pos+size]...)
			e.pos += size
		default: // backslash
			escaped = true
			if err := e.escape(); err != nil {
				return nil, err
			}
		}
	}
}

// escape reads one escape sequence and writes the character canonically.
func (e *encoder) escape() error {
	if e.pos+1 >= len(e.in) {
		return e.fail("unterminated escape")
	}
	c := e.in[e.pos+1]
	e.pos += 2
	switch c {
	case '"', '\\':
		e.out = append(e.out, '\\', c)
	case '/':
		e.out = append(e.out, '/')
	case 'b':
		e.out = append(e.out, '\\', 'b')
	case 'f':
		e.out = append(e.out, '\\', 'f')
	case 'n':
		e.out = append(e.out, '\\', 'n')
	case 'r':
		e.out = append(e.out, '\\', 'r')
	case 't':
		e.out = append(e.out, '\\', 't')
	case 'u':
		r, ok := e.hex4()
		if !ok {
			return e.fail("invalid \\u escape")
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || e.pos+1 >= len(e.in) || e.in[e.pos] != '\\' || e.in[e.pos+1] != 'u' {
				return e.fail("lone surrogate")
			}
			e.pos += 2
			lo, ok := e.hex4()
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return e.fail("lone surrogate")
			}
			r = utf16.DecodeRune(r, lo)
		}
		e.appendRune(r)
	default:
		return e.fail("invalid escape")
	}
	return nil
}

func (e *encoder) hex4() (rune, bool) {
	if e.pos+4 > len(e.in) {
		return 0, false
	}
	var r rune
	for _, c := range e.in[e.pos : e.pos+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	e.pos += 4
	return r, true
}

// appendRune writes r as canonical string content.
func (e *encoder) appendRune(r rune) {
	e.out = appendStringRune(e.out, r)
}

const hexDigits = "0123456789abcdef"

func appendStringRune(dst []byte, r rune) []byte {
	switch r {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	if r < 0x20 {
		return append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xF])
	}
	return utf8.AppendRune(dst, r)
}

// decodeCanonical undoes the escapes of canonical string content; it is
// only used for member names that had escapes in the input (rare).
func decodeCanonical(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u': // \u00xx
			out = append(out, unhex(s[i+3])<<4|unhex(s[i+4]))
			i += 4
		default: // '"' or '\\'
			out = append(out, s[i])
		}
	}
	return out
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
