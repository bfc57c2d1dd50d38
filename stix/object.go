package stix

import (
	"encoding/json"
	"time"
)

// Bundle is a decoded STIX bundle document.
type Bundle struct {
	ID      string    // the bundle's id member, "" when absent or not a string
	Objects []*Object // the members of "objects", in order

	raw  []byte // the whole document
	root node   // parse tree of the document, for Validate
}

// Raw returns the exact bytes of the bundle document.
func (b *Bundle) Raw() []byte { return b.raw }

// Object is one decoded STIX object; Raw is the exact original bytes of the
// object as it appeared in the input. The typed fields are conveniences
// filled from the members of the same name when those have the expected JSON
// type; they are zero otherwise (Validate reports why).
type Object struct {
	Raw                   []byte
	Type, ID              string
	SpecVersion           string
	Created, Modified     string    // original strings, exactly as sent ("" if absent)
	CreatedAt, ModifiedAt time.Time // parsed (zero if absent/invalid)
	CreatedByRef          string
	MarkingRefs           []string // object_marking_refs
	Labels                []string
	Confidence            *int
	Revoked               bool
	Name, Description     string
	Pattern, PatternType  string // indicators
	ValidFrom, ValidUntil *time.Time
	Props                 map[string]json.RawMessage // every top-level member, raw (strictly validated already)

	tree *node // parse tree, nil when the Object was not built by the decoder
}

// newObject fills an Object from its parse tree n within data.
func newObject(data []byte, n *node) *Object {
	o := &Object{
		Raw:   data[n.start:n.end:n.end],
		Props: make(map[string]json.RawMessage, len(n.members)),
		tree:  n,
	}
	for i := range n.members {
		m := &n.members[i]
		v := &m.val
		o.Props[m.key] = json.RawMessage(data[v.start:v.end:v.end])
		switch m.key {
		case "type":
			o.Type = str(v)
		case "id":
			o.ID = str(v)
		case "spec_version":
			o.SpecVersion = str(v)
		case "created":
			o.Created = str(v)
			o.CreatedAt, _ = ParseTimestamp(o.Created)
		case "modified":
			o.Modified = str(v)
			o.ModifiedAt, _ = ParseTimestamp(o.Modified)
		case "created_by_ref":
			o.CreatedByRef = str(v)
		case "object_marking_refs":
			o.MarkingRefs = strs(v)
		case "labels":
			o.Labels = strs(v)
		case "confidence":
			if c, ok := intValue(v); ok {
				o.Confidence = &c
			}
		case "revoked":
			o.Revoked = v.kind == kindBool && v.b
		case "name":
			o.Name = str(v)
		case "description":
			o.Description = str(v)
		case "pattern":
			o.Pattern = str(v)
		case "pattern_type":
			o.PatternType = str(v)
		case "valid_from":
			o.ValidFrom = timePtr(v)
		case "valid_until":
			o.ValidUntil = timePtr(v)
		}
	}
	return o
}

func str(v *node) string {
	if v.kind != kindString {
		return ""
	}
	return v.str
}

func strs(v *node) []string {
	if v.kind != kindArray {
		return nil
	}
	out := make([]string, 0, len(v.members))
	for i := range v.members {
		if v.members[i].val.kind == kindString {
			out = append(out, v.members[i].val.str)
		}
	}
	return out
}

func timePtr(v *node) *time.Time {
	if v.kind != kindString {
		return nil
	}
	t, err := ParseTimestamp(v.str)
	if err != nil {
		return nil
	}
	return &t
}

// node returns the object's parse tree, parsing Raw when the Object was not
// produced by the decoder (e.g. built by hand or loaded from storage).
func (o *Object) node() (*node, error) {
	if o.tree != nil {
		return o.tree, nil
	}
	n, err := parseDocument(o.Raw, Limits{})
	if err != nil {
		return nil, err
	}
	if n.kind != kindObject {
		return nil, &DecodeError{Msg: "a STIX object must be a JSON object"}
	}
	return &n, nil
}
