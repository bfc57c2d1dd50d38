package stix

import (
	"strconv"
	"strings"

	"github.com/jag-hub/jag/stix/pattern"
)

// Validate checks every STIX 2.1 rule on the bundle and returns every
// problem (nil when valid). Indicator patterns with pattern_type "stix" are
// parsed with stix/pattern (Code "invalid_pattern"); the parses come back
// in patterns, which has one entry per object of b: patterns[i] is the
// pattern of b.Objects[i], nil when it has none of type "stix" or it does
// not parse. Pointers are relative to the bundle document. A Bundle built
// by hand rather than by DecodeBundle has only its ID and objects checked.
// Validate does not modify b.
func Validate(b *Bundle) (patterns []*pattern.Pattern, problems []Problem) {
	if b == nil {
		return nil, []Problem{{Message: "no bundle", Code: CodeInvalidObject}}
	}
	v := &validator{ptr: make([]byte, 0, 128), index: -1, patterns: make([]*pattern.Pattern, len(b.Objects))}
	if b.raw != nil {
		v.bundle(&b.root)
	} else { // built by hand, not decoded: only the id can be checked
		mark := v.at("id")
		v.identifier(&node{kind: kindString, str: b.ID}, []string{"bundle"})
		v.back(mark)
	}
	objects := v.at("objects")
	for i, o := range b.Objects {
		mark := v.atIndex(i)
		v.index = i
		v.object(o)
		v.back(mark)
	}
	v.index = -1
	v.back(objects)
	v.crossObject(b)
	return v.patterns, v.problems
}

// validator accumulates the problems of one Validate call. ptr is the
// RFC 6901 pointer of the value being checked: checks descend with at or
// atIndex and return with back, so no pointer is built unless a problem is
// reported.
type validator struct {
	problems []Problem
	obj      string             // id of the object being checked
	index    int                // its index in the bundle, -1 outside objects
	patterns []*pattern.Pattern // parsed STIX patterns, by object index
	ptr      []byte
}

// keepPattern records the parsed pattern of the object being checked.
func (v *validator) keepPattern(p *pattern.Pattern) {
	if v.index >= 0 && v.index < len(v.patterns) {
		v.patterns[v.index] = p
	}
}

// at descends into member key and returns the mark to go back to.
func (v *validator) at(key string) int {
	mark := len(v.ptr)
	v.ptr = append(v.ptr, '/')
	if strings.ContainsAny(key, "~/") {
		v.ptr = append(v.ptr, escapePointer(key)...)
	} else {
		v.ptr = append(v.ptr, key...)
	}
	return mark
}

// atIndex descends into array element i and returns the mark to go back to.
func (v *validator) atIndex(i int) int {
	mark := len(v.ptr)
	v.ptr = append(v.ptr, '/')
	v.ptr = strconv.AppendInt(v.ptr, int64(i), 10)
	return mark
}

// back returns to the value that was current when mark was taken.
func (v *validator) back(mark int) { v.ptr = v.ptr[:mark] }

// add reports a problem with the current value.
func (v *validator) add(msg string) { v.addCode(CodeInvalidObject, msg) }

// addAt reports a problem with member key of the current value.
func (v *validator) addAt(key, msg string) {
	mark := v.at(key)
	v.add(msg)
	v.back(mark)
}

func (v *validator) addCode(code, msg string) {
	v.problems = append(v.problems, Problem{Object: v.obj, Pointer: string(v.ptr), Message: msg, Code: code})
}

// bundle checks the bundle's own members.
func (v *validator) bundle(n *node) {
	v.obj = ""
	// STIX 2.1 bundles have no spec_version; "2.1" is tolerated because
	// some producers still write it, "2.0" marks a 2.0 bundle.
	if sv := n.get("spec_version"); sv != nil {
		switch {
		case sv.kind == kindString && sv.str == "2.0":
			v.addAt("spec_version", "STIX 2.0 is not supported; convert to 2.1")
		case sv.kind != kindString || sv.str != "2.1":
			v.addAt("spec_version", "a STIX 2.1 bundle has no spec_version property")
		}
	}
	for i := range n.members {
		m := &n.members[i]
		mark := v.at(m.key)
		if strings.IndexByte(m.key, 0) >= 0 {
			v.add("member names must not contain U+0000")
		}
		if m.key != "objects" {
			v.unrepresentable(&m.val)
		}
		switch m.key {
		case "type":
			if m.val.kind != kindString || m.val.str != "bundle" {
				v.add(`type must be "bundle"`)
			}
		case "id":
			v.identifier(&m.val, []string{"bundle"})
		case "objects":
			if len(m.val.members) == 0 {
				v.add("objects must not be empty")
			}
		case "spec_version":
		default:
			v.customProperty(m)
		}
		v.back(mark)
	}
	v.required(n, bundleRequired)
}

var bundleRequired = []string{"type", "id"}

// unrepresentable reports every member name and string under n that
// contains U+0000 (valid JSON, but not valid STIX, and unsafe for many
// consumers) and every number that no IEEE 754 double represents (1e400:
// not I-JSON, RFC 7493, so the object has no JCS form, RFC 8785, and no
// signature could cover it).
func (v *validator) unrepresentable(n *node) {
	if !n.nul && !n.huge {
		return
	}
	switch n.kind {
	case kindString:
		v.add("strings must not contain U+0000")
	case kindNumber:
		v.add("number out of range: no IEEE 754 double represents it, so it has no canonical JSON form (RFC 8785)")
	case kindArray:
		for i := range n.members {
			mark := v.atIndex(i)
			v.unrepresentable(&n.members[i].val)
			v.back(mark)
		}
	case kindObject:
		for i := range n.members {
			m := &n.members[i]
			mark := v.at(m.key)
			if strings.IndexByte(m.key, 0) >= 0 {
				v.add("member names must not contain U+0000")
			}
			v.unrepresentable(&m.val)
			v.back(mark)
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
