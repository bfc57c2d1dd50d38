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
	depth     int
	maxDepth  int
	maxString int
	objects   [MaxDepth / 64]uint64 // bit d set: container d is an object
	buf       []byte                // decoded text of escaped strings
}

// NewReader returns a Reader of data bounded by lim.
func NewReader(data []byte, lim Limits) *Reader {
	r := &Reader{data: data, maxDepth: lim.MaxDepth, maxString: lim.MaxString}
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
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// More reports whether the array or object being read has another element
// or member. It consumes the ',' before one; at the end it consumes the
// closing bracket and returns false. Where a value or a name is due it
// returns true; after the top-level value, false.
func (r *Reader) More() (bool, error) {
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
		r.depth--
		r.afterValue()
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

// ReadToken reads the next token. After the top-level value it returns
// io.EOF, or an error when anything but whitespace follows.
func (r *Reader) ReadToken() (Token, error) {
	switch r.st {
	case stValue, stName:
	case stEnd:
		if err := r.Finish(); err != nil {
			return Token{}, err
		}
		return Token{}, io.EOF
	default:
		more, err := r.More()
		if err != nil {
			return Token{}, err
		}
		if !more {
			k := EndArray
			if r.data[r.pos-1] == '}' {
				k = EndObject
			}
			return Token{Kind: k, Start: r.pos - 1, End: r.pos}, nil
		}
	}
	r.skipSpace()
	if r.st == stName {
		return r.name()
	}
	return r.value()
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
	depth := r.depth
	for r.depth >= depth {
		if _, err := r.ReadToken(); err != nil {
			return 0, 0, err
		}
	}
	return t.Start, r.pos, nil
}

// afterValue sets the state once a value is complete.
func (r *Reader) afterValue() {
	switch {
	case r.depth == 0:
		r.st = stEnd
	case r.objects[(r.depth-1)/64]&(1<<((r.depth-1)%64)) != 0:
		r.st = stObjSep
	default:
		r.st = stArrSep
	}
}

// open enters an array or object at r.pos.
func (r *Reader) open(object bool) (Token, error) {
	if r.depth >= r.maxDepth {
		return Token{}, &Error{Offset: r.pos, Msg: "nesting deeper than " + strconv.Itoa(r.maxDepth) + " levels", Limit: true}
	}
	word, bit := r.depth/64, uint64(1)<<(r.depth%64)
	t := Token{Kind: BeginArray, Start: r.pos, End: r.pos + 1}
	r.st = stFirstElem
	r.objects[word] &^= bit
	if object {
		t.Kind = BeginObject
		r.st = stFirstName
		r.objects[word] |= bit
	}
	r.depth++
	r.pos++
	return t, nil
}

// name reads a member name and the ':' after it.
func (r *Reader) name() (Token, error) {
	if r.pos >= len(r.data) {
		return Token{}, r.fail(r.pos, "unexpected end of input in object")
	}
	if r.data[r.pos] != '"' {
		return Token{}, r.fail(r.pos, "expected a string member name")
	}
	t, err := r.string()
	if err != nil {
		return Token{}, err
	}
	t.Kind = Name
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != ':' {
		return Token{}, r.fail(r.pos, "expected ':' after member name")
	}
	r.pos++
	r.st = stValue
	return t, nil
}

// value reads the first token of a value.
func (r *Reader) value() (Token, error) {
	if r.pos >= len(r.data) {
		return Token{}, r.fail(r.pos, "unexpected end of input")
	}
	var t Token
	switch c := r.data[r.pos]; {
	case c == '"':
		var err error
		if t, err = r.string(); err != nil {
			return Token{}, err
		}
		t.Kind = String
	case c == '{':
		return r.open(true)
	case c == '[':
		return r.open(false)
	case c == '-' || (c >= '0' && c <= '9'):
		var err error
		if t, err = r.number(); err != nil {
			return Token{}, err
		}
	case c == 't':
		return r.literal("true", True)
	case c == 'f':
		return r.literal("false", False)
	case c == 'n':
		return r.literal("null", Null)
	default:
		return Token{}, r.fail(r.pos, "invalid character "+strconv.QuoteRune(rune(c))+" looking for a value")
	}
	r.afterValue()
	return t, nil
}

func (r *Reader) literal(lit string, k Kind) (Token, error) {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return Token{}, r.fail(r.pos, "invalid literal, expected "+lit)
	}
	t := Token{Kind: k, Start: r.pos, End: r.pos + len(lit)}
	r.pos = t.End
	r.afterValue()
	return t, nil
}
