package jcs

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/jag-hub/jag/stix/jsontext"
)

// Transform returns the RFC 8785 canonical form of the JSON text data.
func Transform(data []byte) ([]byte, error) {
	return AppendTransform(make([]byte, 0, len(data)), data)
}

// AppendTransform appends the canonical form of data to dst and returns the
// extended slice. Reusing dst avoids an allocation on hot paths.
func AppendTransform(dst, data []byte) ([]byte, error) {
	e := encoder{r: jsontext.NewReader(data, jsontext.Limits{MaxDepth: MaxDepth}), in: data, out: dst}
	if err := e.value(); err != nil {
		return nil, err
	}
	if err := e.r.Finish(); err != nil {
		return nil, e.fail(err)
	}
	return e.out, nil
}

// member is one object member already written to out[start:end]; name is
// its decoded name (a sub-slice of the input unless it had escapes).
type member struct {
	name       []byte
	start, end int
}

// encoder reads tokens from the shared strict reader and writes the
// canonical form to out in one pass.
type encoder struct {
	r       *jsontext.Reader
	in      []byte
	out     []byte
	members []member // stack shared by the objects being read, innermost last
	scratch []byte   // reused when an object's members must be reordered
}

// fail turns an error of the reader into a *SyntaxError.
func (e *encoder) fail(err error) error {
	var je *jsontext.Error
	if errors.As(err, &je) {
		return &SyntaxError{Offset: je.Offset, Msg: je.Msg}
	}
	return &SyntaxError{Offset: e.r.Offset(), Msg: err.Error()}
}

// value reads one JSON value.
func (e *encoder) value() error {
	t, err := e.r.ReadToken()
	if err != nil {
		return e.fail(err)
	}
	switch t.Kind {
	case jsontext.BeginObject:
		return e.object()
	case jsontext.BeginArray:
		return e.array()
	case jsontext.String:
		e.appendString(t)
	case jsontext.Number:
		return e.number(t)
	case jsontext.True:
		e.out = append(e.out, "true"...)
	case jsontext.False:
		e.out = append(e.out, "false"...)
	case jsontext.Null:
		e.out = append(e.out, "null"...)
	default:
		return &SyntaxError{Offset: t.Start, Msg: "unexpected " + t.Kind.String()}
	}
	return nil
}

// appendString writes a String or Name token canonically. A string without
// escapes is canonical as written: it holds no control character, '"' or
// '\\' (the reader refuses them raw).
func (e *encoder) appendString(t *jsontext.Token) {
	if !t.Escaped {
		e.out = append(e.out, e.in[t.Start:t.End]...)
		return
	}
	e.out = append(e.out, '"')
	for s := t.Text; len(s) > 0; {
		r, size := utf8.DecodeRune(s)
		if r < utf8.RuneSelf {
			e.out = appendStringRune(e.out, r)
		} else {
			e.out = append(e.out, s[:size]...)
		}
		s = s[size:]
	}
	e.out = append(e.out, '"')
}

func (e *encoder) array() error {
	e.out = append(e.out, '[')
	for first := true; ; first = false {
		more, err := e.r.More()
		if err != nil {
			return e.fail(err)
		}
		if !more {
			break
		}
		if !first {
			e.out = append(e.out, ',')
		}
		if err := e.value(); err != nil {
			return err
		}
	}
	e.out = append(e.out, ']')
	return nil
}

func (e *encoder) object() error {
	e.out = append(e.out, '{')
	start := len(e.out)
	base := len(e.members)
	defer func() { e.members = e.members[:base] }()
	sorted := true
	for {
		more, err := e.r.More()
		if err != nil {
			return e.fail(err)
		}
		if !more {
			break
		}
		mstart := len(e.out)
		if len(e.members) > base {
			e.out = append(e.out, ',')
			mstart++
		}
		t, err := e.r.ReadToken()
		if err != nil {
			return e.fail(err)
		}
		name := t.Text
		if t.Escaped { // t.Text lives in the reader's buffer
			name = bytes.Clone(name)
		}
		e.appendString(t)
		e.out = append(e.out, ':')
		if err := e.value(); err != nil {
			return err
		}
		if len(e.members) > base && compareUTF16(e.members[len(e.members)-1].name, name) >= 0 {
			sorted = false
		}
		e.members = append(e.members, member{name: name, start: mstart, end: len(e.out)})
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
				return &SyntaxError{Offset: e.r.Offset(), Msg: "duplicate member name " + strconv.Quote(string(m.name))}
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
