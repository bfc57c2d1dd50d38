package stix

import "strconv"

// DecodeBundle strictly decodes a bundle document. It checks JSON strictness
// and limits only, not STIX rules, with one structural exception: the
// document must be a JSON object and "objects", when present, an array of
// JSON objects, since there is no Object to report against otherwise. The
// error is always a *DecodeError.
func DecodeBundle(data []byte, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	root, derr := parseDocument(data, lim)
	if derr != nil {
		return nil, derr
	}
	if root.kind != kindObject {
		return nil, &DecodeError{Offset: root.start, Msg: "a bundle must be a JSON object, not " + root.kind.String()}
	}
	b := &Bundle{raw: data, root: root}
	b.ID, _ = root.getString("id")
	objs := root.get("objects")
	if objs == nil {
		return b, nil
	}
	if objs.kind != kindArray {
		return nil, &DecodeError{Pointer: "/objects", Offset: objs.start, Msg: "objects must be an array, not " + objs.kind.String()}
	}
	if len(objs.members) > lim.MaxObjects {
		return nil, &DecodeError{Pointer: "/objects", Offset: objs.start, TooLarge: true,
			Msg: "bundle has more than " + strconv.Itoa(lim.MaxObjects) + " objects"}
	}
	b.Objects = make([]*Object, len(objs.members))
	for i := range objs.members {
		e := &objs.members[i].val
		if e.kind != kindObject {
			return nil, &DecodeError{Pointer: "/objects/" + strconv.Itoa(i), Offset: e.start,
				Msg: "a STIX object must be a JSON object, not " + e.kind.String()}
		}
		b.Objects[i] = newObject(data, e)
	}
	return b, nil
}

// DecodeObject strictly decodes one STIX object (same rules as DecodeBundle;
// the document must be a JSON object). The error is always a *DecodeError.
func DecodeObject(data []byte, lim Limits) (*Object, error) {
	root, derr := parseDocument(data, lim)
	if derr != nil {
		return nil, derr
	}
	if root.kind != kindObject {
		return nil, &DecodeError{Offset: root.start, Msg: "a STIX object must be a JSON object, not " + root.kind.String()}
	}
	return newObject(data, &root), nil
}
