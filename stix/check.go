package stix

import (
	"strconv"
	"strings"
)

// object validates one object at the current pointer.
func (v *validator) object(o *Object) {
	v.obj = o.ID
	n, err := o.node()
	if err != nil {
		v.add("not a valid JSON object: " + err.Error())
		return
	}
	v.unrepresentable(n)

	typ, ok := n.getString("type")
	if !ok {
		if n.get("type") == nil {
			v.add("missing required property type")
		} else {
			v.addAt("type", "type must be a string")
		}
		return
	}
	if typ == "bundle" {
		v.addAt("type", "a bundle cannot contain a bundle")
		return
	}
	def := typeDefs[typ]
	if def == nil {
		if !validTypeName(typ) {
			v.addAt("type", strconv.Quote(typ)+" is not a valid STIX type name (3-250 characters of a-z, 0-9 and single hyphens, starting with a letter)")
			return
		}
		def = customTypeDef(n)
	}

	v.identity(n, typ)
	v.specVersion(n, def.cat)
	if def.versioned {
		v.versionTimestamps(n)
	} else if def.cat == catSMO { // marking-definition: created only
		v.requiredTimestamp(n, "created")
	}

	for i := range n.members {
		m := &n.members[i]
		switch m.key {
		case "type", "id", "spec_version", "created", "modified":
			continue // checked above
		}
		mark := v.at(m.key)
		if m.key == "extensions" {
			v.extensions(&m.val, typ)
		} else if pr, ok := def.common[m.key]; ok {
			v.check(pr, &m.val)
		} else if pr, ok := def.props[m.key]; ok {
			v.check(pr, &m.val)
		} else {
			v.customProperty(m)
		}
		v.back(mark)
	}
	v.required(n, def.required)
	if def.check != nil {
		def.check(v, n)
	}
}

// customTypeDef is the definition applied to a custom object type: the
// common properties of an SDO when it is versioned (has created or
// modified), of an SCO otherwise.
func customTypeDef(n *node) *typeDef {
	if n.get("created") != nil || n.get("modified") != nil {
		return &customVersioned
	}
	return &customUnversioned
}

var (
	customVersioned   = typeDef{cat: catSDO, common: sdoCommon, versioned: true}
	customUnversioned = typeDef{cat: catSCO, common: scoCommon}
)

// identity checks id: present, an identifier of the object's own type.
func (v *validator) identity(n *node, typ string) {
	idn := n.get("id")
	if idn == nil {
		v.add("missing required property id")
		return
	}
	mark := v.at("id")
	v.identifierOf(idn, typ)
	v.back(mark)
}

// specVersion checks spec_version: required "2.1" except on SCOs, where it
// is optional.
func (v *validator) specVersion(n *node, cat category) {
	sv := n.get("spec_version")
	if sv == nil {
		if cat != catSCO {
			v.add("missing required property spec_version")
		}
		return
	}
	mark := v.at("spec_version")
	defer v.back(mark)
	if !v.wantKind(sv, kindString) {
		return
	}
	switch sv.str {
	case "2.1":
	case "2.0":
		v.add("STIX 2.0 is not supported; convert to 2.1")
	default:
		v.add("spec_version must be \"2.1\", not " + strconv.Quote(sv.str))
	}
}

// versionTimestamps checks created and modified: required timestamps with
// at least millisecond precision, modified not before created.
func (v *validator) versionTimestamps(n *node) {
	c := v.requiredTimestamp(n, "created")
	m := v.requiredTimestamp(n, "modified")
	if c && m {
		v.order(n, "created", "modified", true)
	}
}

// requiredTimestamp checks that n has a valid millisecond-precision
// timestamp named key.
func (v *validator) requiredTimestamp(n *node, key string) bool {
	t := n.get(key)
	if t == nil {
		v.add("missing required property " + key)
		return false
	}
	mark := v.at(key)
	defer v.back(mark)
	if !v.timestamp(t) {
		return false
	}
	if dot := strings.IndexByte(t.str, '.'); dot < 0 || len(t.str)-dot-2 < 3 {
		v.add(key + " must be precise to at least the millisecond (e.g. 2016-05-12T08:17:27.000Z)")
		return false
	}
	return true
}

// order reports when timestamp later is before earlier (or equal, when
// !allowEqual). Missing or invalid timestamps are reported elsewhere.
func (v *validator) order(n *node, earlier, later string, allowEqual bool) {
	a, ok1 := n.getString(earlier)
	b, ok2 := n.getString(later)
	if !ok1 || !ok2 {
		return
	}
	ta, err1 := ParseTimestamp(a)
	tb, err2 := ParseTimestamp(b)
	if err1 != nil || err2 != nil {
		return
	}
	switch {
	case tb.Before(ta):
		v.addAt(later, later+" must not be before "+earlier)
	case !allowEqual && tb.Equal(ta):
		v.addAt(later, later+" must be after "+earlier)
	}
}

// crossObject checks rules between the objects of one bundle: two objects
// with the same id and modified must be identical.
func (v *validator) crossObject(b *Bundle) {
	type version struct{ id, modified string }
	seen := make(map[version]int, len(b.Objects))
	for i, o := range b.Objects {
		if o.ID == "" {
			continue
		}
		k := version{o.ID, o.Modified}
		j, dup := seen[k]
		if !dup {
			seen[k] = i
			continue
		}
		first, _ := b.Objects[j].node()
		this, _ := o.node()
		if first != nil && this != nil && !sameJSON(first, this) {
			v.obj = o.ID
			objects := v.at("objects")
			mark := v.atIndex(i)
			v.add("same id and modified as /objects/" + strconv.Itoa(j) + " but different content")
			v.back(mark)
			v.back(objects)
		}
	}
}
