package stix

import (
	"strconv"
	"strings"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// String names the kind as the validator's messages do.
func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	default:
		return "object"
	}
}

// node is one parsed JSON value. start and end delimit its exact bytes in
// the input, so raw sub-slices need no copy.
type node struct {
	kind       kind
	nul        bool // a string (or, for containers, some descendant key or string) holds U+0000
	b          bool
	start, end int
	str        string // decoded string, or the number literal
	// members holds an object's name/value pairs in input order, or an
	// array's elements (with empty names): one slice for both keeps
	// every node small.
	members []member
}

// member is one name/value pair of a JSON object, or one array element.
type member struct {
	key string
	val node
}

// get returns the value of the member named key, or nil.
func (n *node) get(key string) *node {
	for i := range n.members {
		if n.members[i].key == key {
			return &n.members[i].val
		}
	}
	return nil
}

// getString returns the member's string value and whether it is a string.
func (n *node) getString(key string) (string, bool) {
	v := n.get(key)
	if v == nil || v.kind != kindString {
		return "", false
	}
	return v.str, true
}

// parser is a strict, limit-enforcing recursive-descent JSON parser. It is
// used for one document and discarded.
type parser struct {
	data  []byte
	pos   int
	lim   Limits
	depth int
	path  []pathSeg // pointer of the value being parsed, for errors

	// Children of the open containers are gathered on this stack and
	// copied into one exactly sized slice when their container closes, so
	// a document costs one allocation per container, not one per append.
	stack []member
}

// pathSeg is one RFC 6901 reference token; key is used when idx < 0.
type pathSeg struct {
	key string
	idx int
}

// pointer renders the current path as an RFC 6901 JSON pointer.
func (p *parser) pointer() string {
	return renderPointer(p.path)
}

func renderPointer(path []pathSeg) string {
	var sb strings.Builder
	for _, s := range path {
		sb.WriteByte('/')
		if s.idx >= 0 {
			sb.WriteString(strconv.Itoa(s.idx))
		} else {
			sb.WriteString(escapePointer(s.key))
		}
	}
	return sb.String()
}

// escapePointer escapes one RFC 6901 reference token.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func (p *parser) fail(off int, msg string) *DecodeError {
	return &DecodeError{Pointer: p.pointer(), Offset: off, Msg: msg}
}

func (p *parser) tooLarge(off int, msg string) *DecodeError {
	return &DecodeError{Pointer: p.pointer(), Offset: off, Msg: msg, TooLarge: true}
}

// parseDocument parses data as exactly one JSON value surrounded only by
// whitespace.
func parseDocument(data []byte, lim Limits) (node, *DecodeError) {
	p := parser{data: data, lim: lim.withDefaults()}
	if len(data) > p.lim.MaxBytes {
		return node{}, p.tooLarge(p.lim.MaxBytes, "document larger than "+strconv.Itoa(p.lim.MaxBytes)+" bytes")
	}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return node{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return node{}, p.fail(p.pos, "unexpected data after the JSON value")
	}
	return v, nil
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (node, *DecodeError) {
	if p.pos >= len(p.data) {
		return node{}, p.fail(p.pos, "unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		start := p.pos
		s, nul, err := p.string()
		if err != nil {
			return node{}, err
		}
		return node{kind: kindString, start: start, end: p.pos, str: s, nul: nul}, nil
	case c == 't':
		return p.literal("true", node{kind: kindBool, b: true})
	case c == 'f':
		return p.literal("false", node{kind: kindBool})
	case c == 'n':
		return p.literal("null", node{kind: kindNull})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return node{}, p.fail(p.pos, "invalid character "+strconv.QuoteRune(rune(c))+" looking for a value")
	}
}

func (p *parser) literal(lit string, n node) (node, *DecodeError) {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return node{}, p.fail(p.pos, "invalid literal, expected "+lit)
	}
	n.start = p.pos
	p.pos += len(lit)
	n.end = p.pos
	return n, nil
}

// number accepts the RFC 8259 grammar exactly: no leading zeros, no "+",
// no bare "." or exponent without digits.
func (p *parser) number() (node, *DecodeError) {
	start := p.pos
	d := p.data
	if p.pos < len(d) && d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
		if p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			return node{}, p.fail(start, "invalid number: leading zero")
		}
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	default:
		return node{}, p.fail(p.pos, "invalid number")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return node{}, p.fail(p.pos, "invalid number: digit expected after '.'")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return node{}, p.fail(p.pos, "invalid number: digit expected in exponent")
		}
	}
	if p.pos-start > p.lim.MaxString {
		return node{}, p.tooLarge(start, "number literal too long")
	}
	return node{kind: kindNumber, start: start, end: p.pos, str: string(d[start:p.pos])}, nil
}

func (p *parser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

// pop removes the children gathered since mark and returns them in a new,
// exactly sized slice.
func (p *parser) pop(mark int) []member {
	kids := make([]member, len(p.stack)-mark)
	copy(kids, p.stack[mark:])
	clear(p.stack[mark:]) // drop references for the GC
	p.stack = p.stack[:mark]
	return kids
}

func (p *parser) enter() *DecodeError {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		return p.tooLarge(p.pos, "nesting deeper than "+strconv.Itoa(p.lim.MaxDepth)+" levels")
	}
	return nil
}

func (p *parser) array() (node, *DecodeError) {
	if err := p.enter(); err != nil {
		return node{}, err
	}
	n := node{kind: kindArray, start: p.pos}
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		n.end = p.pos
		p.depth--
		return n, nil
	}
	mark := len(p.stack)
	for {
		count := len(p.stack) - mark
		if count >= p.lim.MaxElements {
			return node{}, p.tooLarge(p.pos, "array has more than "+strconv.Itoa(p.lim.MaxElements)+" elements")
		}
		p.skipSpace()
		p.path = append(p.path, pathSeg{idx: count})
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		p.path = p.path[:len(p.path)-1]
		n.nul = n.nul || v.nul
		p.stack = append(p.stack, member{val: v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return node{}, p.fail(p.pos, "unexpected end of input in array")
		}
		c := p.data[p.pos]
		p.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			return node{}, p.fail(p.pos-1, "expected ',' or ']' in array")
		}
	}
	n.members = p.pop(mark)
	p.depth--
	n.end = p.pos
	return n, nil
}

func (p *parser) object() (node, *DecodeError) {
	if err := p.enter(); err != nil {
		return node{}, err
	}
	n := node{kind: kindObject, start: p.pos}
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		n.end = p.pos
		p.depth--
		return n, nil
	}
	var folded map[string]struct{} // used once an object has many members
	mark := len(p.stack)
	for {
		if len(p.stack)-mark >= p.lim.MaxElements {
			return node{}, p.tooLarge(p.pos, "object has more than "+strconv.Itoa(p.lim.MaxElements)+" members")
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return node{}, p.fail(p.pos, "unexpected end of input in object")
		}
		if p.data[p.pos] != '"' {
			return node{}, p.fail(p.pos, "expected a string member name")
		}
		keyOff := p.pos
		key, nul, err := p.memberName()
		if err != nil {
			return node{}, err
		}
		if dupErr := p.checkDuplicate(p.stack[mark:], &folded, key, keyOff); dupErr != nil {
			return node{}, dupErr
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return node{}, p.fail(p.pos, "expected ':' after member name")
		}
		p.pos++
		p.skipSpace()
		p.path = append(p.path, pathSeg{key: key, idx: -1})
		v, verr := p.value()
		if verr != nil {
			return node{}, verr
		}
		p.path = p.path[:len(p.path)-1]
		n.nul = n.nul || nul || v.nul
		p.stack = append(p.stack, member{key: key, val: v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return node{}, p.fail(p.pos, "unexpected end of input in object")
		}
		c := p.data[p.pos]
		p.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			return node{}, p.fail(p.pos-1, "expected ',' or '}' in object")
		}
	}
	n.members = p.pop(mark)
	p.depth--
	n.end = p.pos
	return n, nil
}

// smallObject is the member count up to which duplicate names are found by
// a linear scan; larger objects use a case-folded set.
const smallObject = 32

// checkDuplicate rejects a member name equal to an earlier one, ignoring
// case: encoding/json (and many STIX consumers) match names
// case-insensitively, so "type" and "TYPE" could be read differently by the
// hub and by a receiver.
func (p *parser) checkDuplicate(members []member, folded *map[string]struct{}, key string, off int) *DecodeError {
	if len(members) < smallObject {
		for i := range members {
			if strings.EqualFold(members[i].key, key) {
				return p.dupError(members[i].key, key, off)
			}
		}
		return nil
	}
	if *folded == nil {
		*folded = make(map[string]struct{}, 2*len(members))
		for i := range members {
			(*folded)[foldKey(members[i].key)] = struct{}{}
		}
	}
	f := foldKey(key)
	if _, dup := (*folded)[f]; dup {
		for i := range members {
			if strings.EqualFold(members[i].key, key) {
				return p.dupError(members[i].key, key, off)
			}
		}
		return p.dupError(key, key, off)
	}
	(*folded)[f] = struct{}{}
	return nil
}

// foldKey maps names that strings.EqualFold considers equal to one key.
func foldKey(s string) string {
	return strings.ToLower(strings.ToUpper(s))
}

func (p *parser) dupError(first, second string, off int) *DecodeError {
	if first == second {
		return p.fail(off, "duplicate member name "+strconv.Quote(second))
	}
	return p.fail(off, "member name "+strconv.Quote(second)+" differs only in case from "+strconv.Quote(first))
}
