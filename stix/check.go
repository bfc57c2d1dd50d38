package stix

import (
	"strconv"
	"strings"
)

// object validates the i-th object of a bundle.
func (v *validator) object(o *Object, objects *path, i int) {
	p := objects.index(i)
	v.objectAt(o, &p)
}

// objectAt validates one object whose pointer is p.
func (v *validator) objectAt(o *Object, p *path) {
	v.obj = o.ID
	n, err := o.node()
	if err != nil {
		v.add(p, "not a valid JSON object: "+err.Error())
		return
	}
	v.nulStrings(n, p)

	typ, ok := n.getString("type")
	if !ok {
		if n.get("type") == nil {
			v.add(p, "missing required property type")
		} else {
			tp := p.child("type")
			v.add(&tp, "type must be a string")
		}
		return
	}
	def := typeDefs[typ]
	if def == nil {
		tp := p.child("type")
		if !validTypeName(typ) {
			v.add(&tp, strconv.Quote(typ)+" is not a valid STIX type name (3-250 characters of a-z, 0-9 and single hyphens, starting with a letter)")
			return
		}
		def = customTypeDef(n)
	}

	v.identity(n, p, typ)
	v.specVersion(n, p, def.cat)
	if def.versioned {
		v.versionTimestamps(n, p)
	} else if def.cat == catSMO { // marking-definition: created only
		v.requiredTimestamp(n, p, "created")
	}

	for i := range n.members {
		m := &n.members[i]
		mp := p.child(m.key)
		switch m.key {
		case "type", "id", "spec_version", "created", "modified":
			continue // checked above
		case "extensions":
			v.extensions(&m.val, &mp, def.cat)
			continue
		}
		if pr, ok := def.common[m.key]; ok {
			v.check(pr, &m.val, &mp)
		} else if pr, ok := def.props[m.key]; ok {
			v.check(pr, &m.val, &mp)
		} else {
			v.customProperty(m, &mp)
		}
	}
	v.required(n, p, def.required)
	if def.check != nil {
		def.check(v, n, p)
	}
}

// customTypeDef is the definition applied to a custom object type: the
// common properties of an SDO when it is versioned (has created or
// modified), of an SCO otherwise.
func customTypeDef(n *node) *typeDef {
	if n.get("created") != nil || n.get("modified") != nil {
		return &typeDef{cat: catSDO, common: sdoCommon, versioned: true}
	}
	return &typeDef{cat: catSCO, common: scoCommon}
}

// identity checks id: present, an identifier of the object's own type.
func (v *validator) identity(n *node, p *path, typ string) {
	idn := n.get("id")
	if idn == nil {
		v.add(p, "missing required property id")
		return
	}
	ip := p.child("id")
	v.identifier(idn, &ip, []string{typ})
}

// specVersion checks spec_version: required "2.1" except on SCOs, where it
// is optional.
func (v *validator) specVersion(n *node, p *path, cat category) {
	sv := n.get("spec_version")
	if sv == nil {
		if cat != catSCO {
			v.add(p, "missing required property spec_version")
		}
		return
	}
	sp := p.child("spec_version")
	if !v.wantKind(sv, &sp, kindString) {
		return
	}
	switch sv.str {
	case "2.1":
	case "2.0":
		v.add(&sp, "STIX 2.0 is not supported; convert to 2.1")
	default:
		v.add(&sp, "spec_version must be \"2.1\", not "+strconv.Quote(sv.str))
	}
}

// versionTimestamps checks created and modified: required timestamps with
// at least millisecond precision, modified not before created.
func (v *validator) versionTimestamps(n *node, p *path) {
	c := v.requiredTimestamp(n, p, "created")
	m := v.requiredTimestamp(n, p, "modified")
	if c && m {
		v.order(n, p, "created", "modified", true)
	}
}

// requiredTimestamp checks that n has a valid millisecond-precision
// timestamp named key.
func (v *validator) requiredTimestamp(n *node, p *path, key string) bool {
	t := n.get(key)
	if t == nil {
		v.add(p, "missing required property "+key)
		return false
	}
	kp := p.child(key)
	if !v.timestamp(t, &kp) {
		return false
	}
	if dot := strings.IndexByte(t.str, '.'); dot < 0 || len(t.str)-dot-2 < 3 {
		v.add(&kp, key+" must be precise to at least the millisecond (e.g. 2016-05-12T08:17:27.000Z)")
		return false
	}
	return true
}

// order reports when timestamp later is before earlier (or equal, when
// !allowEqual). Missing or invalid timestamps are reported elsewhere.
func (v *validator) order(n *node, p *path, earlier, later string, allowEqual bool) {
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
	lp := p.child(later)
	switch {
	case tb.Before(ta):
		v.add(&lp, later+" must not be before "+earlier)
	case !allowEqual && tb.Equal(ta):
		v.add(&lp, later+" must be after "+earlier)
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
			p := path{root: true, prefix: "/objects/" + strconv.Itoa(i), idx: -1}
			v.add(&p, "same id and modified as /objects/"+strconv.Itoa(j)+" but different content")
		}
	}
}
