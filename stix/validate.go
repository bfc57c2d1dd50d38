package stix

import (
	"strconv"
	"strings"
)

// Validate checks every STIX 2.1 rule on the bundle and returns every
// problem (nil when valid). Indicator patterns with pattern_type "stix" are
// parsed with stix/pattern (Code "invalid_pattern"). Pointers are relative
// to the bundle document. A Bundle built by hand rather than by
// DecodeBundle has only its ID and objects checked.
func Validate(b *Bundle) []Problem {
	if b == nil {
		return []Problem{{Message: "no bundle", Code: CodeInvalidObject}}
	}
	v := &validator{}
	if b.raw != nil {
		v.bundle(&b.root)
	} else { // built by hand, not decoded: only the id can be checked
		p := path{root: true, idx: -1}
		idp := p.child("id")
		v.identifier(&node{kind: kindString, str: b.ID}, &idp, []string{"bundle"})
	}
	for i, o := range b.Objects {
		v.object(o, &path{key: "objects", idx: -1}, i)
	}
	v.crossObject(b)
	return v.problems
}

// ValidateObject checks one object; pointer is the object's pointer in its
// document ("" when the object is the document), and prefixes every
// Problem's Pointer.
func ValidateObject(o *Object, pointer string) []Problem {
	if o == nil {
		return []Problem{{Pointer: pointer, Message: "no object", Code: CodeInvalidObject}}
	}
	v := &validator{}
	v.objectAt(o, &path{prefix: pointer, idx: -1, root: true})
	return v.problems
}

// validator accumulates problems for one Validate call.
type validator struct {
	problems []Problem
	obj      string // id of the object being checked
}

// path is a lazily rendered RFC 6901 pointer: nodes live on the stack of
// the checks and are only turned into strings when a problem is reported.
type path struct {
	parent *path
	key    string // member name, when idx < 0
	idx    int
	prefix string // rendered pointer of the root (root only)
	root   bool
}

func (p *path) child(key string) path { return path{parent: p, key: key, idx: -1} }
func (p *path) index(i int) path      { return path{parent: p, idx: i} }

func (p *path) String() string {
	if p == nil {
		return ""
	}
	if p.root {
		return p.prefix
	}
	var seg string
	if p.idx >= 0 {
		seg = strconv.Itoa(p.idx)
	} else {
		seg = escapePointer(p.key)
	}
	return p.parent.String() + "/" + seg
}

func (v *validator) add(p *path, msg string) {
	v.problems = append(v.problems, Problem{Object: v.obj, Pointer: p.String(), Message: msg, Code: CodeInvalidObject})
}

func (v *validator) addCode(p *path, code, msg string) {
	v.problems = append(v.problems, Problem{Object: v.obj, Pointer: p.String(), Message: msg, Code: code})
}

// bundle checks the bundle's own members.
func (v *validator) bundle(n *node) {
	root := &path{root: true, idx: -1}
	v.obj = ""
	// STIX 2.1 bundles have no spec_version; "2.1" is tolerated because
	// some producers still write it, "2.0" marks a 2.0 bundle.
	if sv := n.get("spec_version"); sv != nil {
		p := root.child("spec_version")
		switch {
		case sv.kind == kindString && sv.str == "2.0":
			v.add(&p, "STIX 2.0 is not supported; convert to 2.1")
		case sv.kind != kindString || sv.str != "2.1":
			v.add(&p, "a STIX 2.1 bundle has no spec_version property")
		}
	}
	for i := range n.members {
		m := &n.members[i]
		p := root.child(m.key)
		if strings.IndexByte(m.key, 0) >= 0 {
			v.add(&p, "member names must not contain U+0000")
		}
		if m.key != "objects" {
			v.nulStrings(&m.val, &p)
		}
		switch m.key {
		case "type":
			if m.val.kind != kindString || m.val.str != "bundle" {
				v.add(&p, `type must be "bundle"`)
			}
		case "id":
			v.identifier(&m.val, &p, []string{"bundle"})
		case "objects":
			if len(m.val.elems) == 0 {
				v.add(&p, "objects must not be empty")
			}
		case "spec_version":
		default:
			v.customProperty(m, &p)
		}
	}
	for _, req := range []string{"type", "id"} {
		if n.get(req) == nil {
			v.add(root, "missing required property "+req)
		}
	}
}

// nulStrings reports every member name and string under n that contains
// U+0000: valid JSON, but not valid STIX (and unsafe for many consumers).
func (v *validator) nulStrings(n *node, p *path) {
	if !n.nul {
		return
	}
	switch n.kind {
	case kindString:
		v.add(p, "strings must not contain U+0000")
	case kindArray:
		for i := range n.elems {
			c := p.index(i)
			v.nulStrings(&n.elems[i], &c)
		}
	case kindObject:
		for i := range n.members {
			m := &n.members[i]
			c := p.child(m.key)
			if strings.IndexByte(m.key, 0) >= 0 {
				v.add(&c, "member names must not contain U+0000")
			}
			v.nulStrings(&m.val, &c)
		}
	}
}

// intValue returns the value of an integer JSON number (no fraction or
// exponent, fits in int).
func intValue(n *node) (int, bool) {
	if n.kind != kindNumber {
		return 0, false
	}
	i, err := strconv.Atoi(n.str)
	return i, err == nil
}
