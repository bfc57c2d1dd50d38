package stix

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jag-hub/jag/stix/jsontext"
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
	huge       bool // a number (or, for containers, some descendant number) that no IEEE 754 double represents
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

// parser builds the parse tree of one document from the tokens of the
// shared strict reader (stix/jsontext), adding what STIX needs on top: the
// pointer of every error, element limits and case-insensitive duplicate
// names. It is used for one document and discarded.
type parser struct {
	r    *jsontext.Reader
	lim  Limits
	path []pathSeg // pointer of the value being parsed, for errors

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

// readError turns an error of the reader into a DecodeError at the
// current pointer.
func (p *parser) readError(err error) *DecodeError {
	var je *jsontext.Error
	if !errors.As(err, &je) {
		return p.fail(p.r.Offset(), err.Error())
	}
	return &DecodeError{Pointer: p.pointer(), Offset: je.Offset, Msg: je.Msg, TooLarge: je.Limit}
}

// parseDocument parses data as exactly one JSON value surrounded only by
// whitespace.
func parseDocument(data []byte, lim Limits) (node, *DecodeError) {
	lim = lim.withDefaults()
	p := parser{r: jsontext.NewReader(data, jsontext.Limits{MaxDepth: lim.MaxDepth, MaxString: lim.MaxString}), lim: lim}
	if len(data) > p.lim.MaxBytes {
		return node{}, p.tooLarge(p.lim.MaxBytes, "document larger than "+strconv.Itoa(p.lim.MaxBytes)+" bytes")
	}
	v, err := p.value()
	if err != nil {
		return node{}, err
	}
	if err := p.r.Finish(); err != nil {
		return node{}, p.readError(err)
	}
	return v, nil
}

// value parses the value that comes next.
func (p *parser) value() (node, *DecodeError) {
	t, err := p.r.ReadToken()
	if err != nil {
		return node{}, p.readError(err)
	}
	n := node{start: t.Start, end: t.End}
	switch t.Kind {
	case jsontext.BeginObject:
		return p.object(t.Start)
	case jsontext.BeginArray:
		return p.array(t.Start)
	case jsontext.String:
		n.kind, n.str, n.nul = kindString, string(t.Text), t.NUL
	case jsontext.Number:
		n.kind, n.str = kindNumber, string(t.Text)
		n.huge = !jsontext.Representable(t.Text)
	case jsontext.True:
		n.kind, n.b = kindBool, true
	case jsontext.False:
		n.kind = kindBool
	case jsontext.Null:
		n.kind = kindNull
	default:
		return node{}, p.fail(t.Start, "unexpected "+t.Kind.String())
	}
	return n, nil
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

// array parses the elements of the array opened at start.
func (p *parser) array(start int) (node, *DecodeError) {
	n := node{kind: kindArray, start: start}
	mark := len(p.stack)
	for {
		more, err := p.r.More()
		if err != nil {
			return node{}, p.readError(err)
		}
		if !more {
			break
		}
		count := len(p.stack) - mark
		if count >= p.lim.MaxElements {
			return node{}, p.tooLarge(p.r.Offset(), "array has more than "+strconv.Itoa(p.lim.MaxElements)+" elements")
		}
		p.path = append(p.path, pathSeg{idx: count})
		v, verr := p.value()
		if verr != nil {
			return node{}, verr
		}
		p.path = p.path[:len(p.path)-1]
		n.nul = n.nul || v.nul
		n.huge = n.huge || v.huge
		p.stack = append(p.stack, member{val: v})
	}
	if len(p.stack) > mark {
		n.members = p.pop(mark)
	}
	n.end = p.r.Offset()
	return n, nil
}

// object parses the members of the object opened at start.
func (p *parser) object(start int) (node, *DecodeError) {
	n := node{kind: kindObject, start: start}
	var folded map[string]struct{} // used once an object has many members
	mark := len(p.stack)
	for {
		// Separator errors and name errors both belong to the object, so
		// one ReadToken reads past the ',' to the name or the '}'.
		t, err := p.r.ReadToken()
		if err != nil {
			return node{}, p.readError(err)
		}
		if t.Kind == jsontext.EndObject {
			break
		}
		if len(p.stack)-mark >= p.lim.MaxElements {
			return node{}, p.tooLarge(t.Start, "object has more than "+strconv.Itoa(p.lim.MaxElements)+" members")
		}
		key, ok := internedName(t.Text)
		if !ok {
			key = string(t.Text)
		}
		nul := t.NUL // t is the reader's, reused by the next read
		if dupErr := p.checkDuplicate(p.stack[mark:], &folded, key, t.Start); dupErr != nil {
			return node{}, dupErr
		}
		p.path = append(p.path, pathSeg{key: key, idx: -1})
		v, verr := p.value()
		if verr != nil {
			return node{}, verr
		}
		p.path = p.path[:len(p.path)-1]
		n.nul = n.nul || nul || v.nul
		n.huge = n.huge || v.huge
		p.stack = append(p.stack, member{key: key, val: v})
	}
	if len(p.stack) > mark {
		n.members = p.pop(mark)
	}
	n.end = p.r.Offset()
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
