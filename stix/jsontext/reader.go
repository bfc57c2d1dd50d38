package jsontext

import (
	"errors"
	"io"
	"strconv"
)

// MaxDepth is the deepest nesting of arrays and objects any Reader
// accepts, whatever its Limits: it bounds the recursion of every caller.
const MaxDepth = 128

// Limits bound what a Reader accepts; zero fields mean "no tighter bound".
type Limits struct {
	MaxDepth  int // arrays and objects open at once (at most MaxDepth)
	MaxString int // bytes of one string as written (quotes excluded), or of one number literal
}

// Kind is the type of a token.
type Kind uint8

// Token kinds.
const (
	Invalid Kind = iota
	Null
	False
	True
	Number
	String
	Name // an object member name; the reader has consumed the ':' after it
	BeginObject
	EndObject
	BeginArray
	EndArray
)

var kindNames = [...]string{"invalid", "null", "false", "true", "number", "string", "name", "'{'", "'}'", "'['", "']'"}

// String names the kind for messages.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Token is one token of the input.
type Token struct {
	Kind       Kind
	Start, End int // offsets of the token's bytes in the input, quotes included
	// Text is the decoded text of a String or Name and the literal of a
	// Number. It aliases the input unless Escaped is set; it then lives in
	// the Reader's buffer and is valid only until the next call.
	Text    []byte
	Escaped bool // the String or Name had escape sequences
	NUL     bool // the String or Name contains U+0000
}

// Error reports why the input was refused and where.
type Error struct {
	Offset int    // byte offset in the input
	Msg    string // what was wrong, safe to show to whoever sent the input
	Limit  bool   // a Limits bound was exceeded (the grammar was not broken)
}

// Error implements error.
func (e *Error) Error() string {
	return "json: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// errNoValue is returned by SkipValue when no value is due.
var errNoValue = errors.New("jsontext: SkipValue called where no value is due")

// state is what the Reader expects next.
type state uint8

const (
	stValue     state = iota // a value
	stName                   // a member name
	stFirstElem              // after '[': a value or ']'
	stArrSep                 // after an element: ',' or ']'
	stFirstName              // after '{': a name or '}'
	stObjSep                 // after a member: ',' or '}'
	stEnd                    // the top-level value is complete
)

// Reader reads one JSON text token by token.
type Reader struct {
	data      []byte
	pos       int
	st        state
	next      state // the state after a value in the innermost container
	depth     int
	maxDepth  int
	maxString int
	objects   [MaxDepth / 64]uint64 // bit d set: container d is an object
	buf       []byte                // decoded text of escaped strings
	tok       Token                 // the token ReadToken returns
}

// NewReader returns a Reader of data bounded by lim.
func NewReader(data []byte, lim Limits) *Reader {
	r := &Reader{data: data, next: stEnd, maxDepth: lim.MaxDepth, maxString: lim.MaxString}
	if r.maxDepth <= 0 || r.maxDepth > MaxDepth {
		r.maxDepth = MaxDepth
	}
	if r.maxString <= 0 || r.maxString > len(data) {
		r.maxString = len(data) // no string is longer than the input
	}
	return r
}

// Offset returns the offset of the first byte not yet read.
func (r *Reader) Offset() int { return r.pos }

// Depth returns the number of arrays and objects open.
func (r *Reader) Depth() int { return r.depth }

func (r *Reader) fail(off int, msg string) *Error { return &Error{Offset: off, Msg: msg} }

func (r *Reader) skipSpace() {
	for r.pos < len(r.data) {
		// Most bytes are above ' ': one comparison.
		if c := r.data[r.pos]; c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return
		}
		r.pos++
	}
}

// More reports whether the array or object being read has another element
// or member. It consumes the ',' before one; at the end it consumes the
// closing bracket and returns false. Where a value or a name is due it
// returns true; after the top-level value, false.
func (r *Reader) More() (bool, error) {
	// Fast path: a comma right after a value.
	if r.pos < len(r.data) && r.data[r.pos] == ',' {
		switch r.st {
		case stObjSep:
			r.pos++
			r.st = stName
			return true, nil
		case stArrSep:
			r.pos++
			r.st = stValue
			return true, nil
		}
	}
	return r.more()
}

func (r *Reader) more() (bool, error) {
	var closer byte
	switch r.st {
	case stValue, stName:
		return true, nil
	case stEnd:
		return false, nil
	case stFirstElem, stArrSep:
		closer = ']'
	default:
		closer = '}'
	}
	r.skipSpace()
	if r.pos >= len(r.data) {
		if closer == ']' {
			return false, r.fail(r.pos, "unexpected end of input in array")
		}
		return false, r.fail(r.pos, "unexpected end of input in object")
	}
	c := r.data[r.pos]
	if c == closer {
		r.pos++
		r.close()
		return false, nil
	}
	if r.st == stArrSep || r.st == stObjSep {
		if c != ',' {
			if closer == ']' {
				return false, r.fail(r.pos, "expected ',' or ']' in array")
			}
			return false, r.fail(r.pos, "expected ',' or '}' in object")
		}
		r.pos++
	}
	if closer == ']' {
		r.st = stValue
	} else {
		r.st = stName
	}
	return true, nil
}

// ReadToken reads the next token. The token belongs to the Reader and is
// valid only until the next call (copy what must outlive it). After the
// top-level value ReadToken returns io.EOF, or an error when anything but
// whitespace follows.
func (r *Reader) ReadToken() (*Token, error) {
	t := &r.tok
	switch r.st {
	case stValue, stName:
	case stEnd:
		if err := r.Finish(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	default:
		more, err := r.More()
		if err != nil {
			return nil, err
		}
		if !more {
			*t = Token{Kind: EndArray, Start: r.pos - 1, End: r.pos}
			if r.data[r.pos-1] == '}' {
				t.Kind = EndObject
			}
			return t, nil
		}
	}
	r.skipSpace()
	t.Text, t.Escaped, t.NUL = nil, false, false
	var err error
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '"': // the common case, inline
		if err = r.string(t); err != nil {
			return nil, err
		}
		if r.st == stValue {
			t.Kind, r.st = String, r.next
			return t, nil
		}
		err = r.colon(t)
	case r.st == stName:
		err = r.nameExpected()
	default:
		err = r.value(t)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Finish checks that the top-level value is complete and that only
// whitespace follows it.
func (r *Reader) Finish() error {
	r.skipSpace()
	if r.st != stEnd {
		return r.fail(r.pos, "unexpected end of input")
	}
	if r.pos != len(r.data) {
		return r.fail(r.pos, "unexpected data after the JSON value")
	}
	return nil
}

// SkipValue reads one whole value where a value is due and returns the
// offsets of its bytes.
func (r *Reader) SkipValue() (start, end int, err error) {
	if r.st == stName {
		return 0, 0, errNoValue
	}
	t, err := r.ReadToken()
	if err != nil {
		return 0, 0, err
	}
	switch t.Kind {
	case BeginObject, BeginArray:
	case EndObject, EndArray:
		return 0, 0, errNoValue
	default:
		return t.Start, t.End, nil
	}
	start, depth := t.Start, r.depth
	for r.depth >= depth {
		if _, err := r.ReadToken(); err != nil {
			return 0, 0, err
		}
	}
	return start, r.pos, nil
}

// afterValue sets the state once a value is complete.
func (r *Reader) afterValue() { r.st = r.next }

// close leaves the innermost array or object.
func (r *Reader) close() {
	r.depth--
	switch {
	case r.depth == 0:
		r.next = stEnd
	case r.objects[(r.depth-1)/64]&(1<<((r.depth-1)%64)) != 0:
		r.next = stObjSep
	default:
		r.next = stArrSep
	}
	r.st = r.next
}

// The functions below fill in the token t of ReadToken, which has no Text
// and no flags set.

// open enters an array or object at r.pos.
func (r *Reader) open(t *Token, object bool) error {
	if r.depth >= r.maxDepth {
		return &Error{Offset: r.pos, Msg: "nesting deeper than " + strconv.Itoa(r.maxDepth) + " levels", Limit: true}
	}
	word, bit := r.depth/64, uint64(1)<<(r.depth%64)
	t.Kind, t.Start, t.End = BeginArray, r.pos, r.pos+1
	r.st, r.next = stFirstElem, stArrSep
	r.objects[word] &^= bit
	if object {
		t.Kind = BeginObject
		r.st, r.next = stFirstName, stObjSep
		r.objects[word] |= bit
	}
	r.depth++
	r.pos++
	return nil
}

// colon finishes the member name t: the ':' after it.
func (r *Reader) colon(t *Token) error {
	t.Kind = Name
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != ':' {
		return r.fail(r.pos, "expected ':' after member name")
	}
	r.pos++
	r.st = stValue
	return nil
}

// nameExpected is the error where a member name is due but no string
// starts.
func (r *Reader) nameExpected() error {
	if r.pos >= len(r.data) {
		return r.fail(r.pos, "unexpected end of input in object")
	}
	return r.fail(r.pos, "expected a string member name")
}

// value reads the first token of a value.
func (r *Reader) value(t *Token) error {
	if r.pos >= len(r.data) {
		return r.fail(r.pos, "unexpected end of input")
	}
	switch c := r.data[r.pos]; { // strings are read by ReadToken
	case c == '{':
		return r.open(t, true)
	case c == '[':
		return r.open(t, false)
	case c == '-' || (c >= '0' && c <= '9'):
		if err := r.number(t); err != nil {
			return err
		}
	case c == 't':
		return r.literal(t, "true", True)
	case c == 'f':
		return r.literal(t, "false", False)
	case c == 'n':
		return r.literal(t, "null", Null)
	default:
		return r.fail(r.pos, "invalid character "+strconv.QuoteRune(rune(c))+" looking for a value")
	}
	r.afterValue()
	return nil
}

func (r *Reader) literal(t *Token, lit string, k Kind) error {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return r.fail(r.pos, "invalid literal, expected "+lit)
	}
	t.Kind, t.Start, t.End = k, r.pos, r.pos+len(lit)
	r.pos = t.End
	r.afterValue()
	return nil
}
