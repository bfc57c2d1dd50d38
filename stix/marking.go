package stix

// The effective marking of an object. Signatures cover the whole object,
// so a granular marking cannot be honoured by redacting the marked
// properties: the object as a whole carries the most restrictive of its
// object-level and granular markings.

// AllMarkingRefs returns every marking-definition id o references: its
// object_marking_refs, then the marking_ref of each of its
// granular_markings (language-only granular markings have none), without
// duplicates, in order of first appearance. Malformed members are skipped
// (Validate reports them).
func AllMarkingRefs(o *Object) []string {
	if o == nil {
		return nil
	}
	refs := o.MarkingRefs
	n, err := o.node()
	if err != nil {
		return refs
	}
	g := n.get("granular_markings")
	if g == nil || g.kind != kindArray || len(g.members) == 0 {
		return refs
	}
	out := make([]string, 0, len(refs)+len(g.members))
	seen := make(map[string]bool, len(refs)+len(g.members))
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, r := range refs {
		add(r)
	}
	for i := range g.members {
		gm := &g.members[i].val
		if gm.kind != kindObject {
			continue
		}
		if ref, ok := gm.getString("marking_ref"); ok {
			add(ref)
		}
	}
	return out
}

// EffectiveTLP is the TLP an object must be stored and served under: the
// most restrictive TLP among all its markings, object-level and granular
// (AllMarkingRefs), by the rules of ObjectTLP: a marking that is neither a
// predefined TLP marking nor known(ref) counts as TLP:RED, and only an
// object with no TLP marking anywhere gets def. So an object whose only
// marking is a granular one does not fall to the default, and a TLP:GREEN
// object with a granular TLP:RED marking on one property is TLP:RED.
func EffectiveTLP(o *Object, known func(id string) bool, def TLP) TLP {
	return ObjectTLP(AllMarkingRefs(o), known, def)
}
