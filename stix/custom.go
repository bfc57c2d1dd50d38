package stix

import (
	"slices"
	"strconv"
	"strings"
)

// reservedProperties are names the specification reserves; no object may
// use them.
var reservedProperties = []string{"severity", "action", "username", "phone_numbers"}

// customProperty checks the current member m, a property the type does not
// define: its name must be 3-250 characters of a-z, 0-9 and _ (the spec's
// MUST; the x_ prefix is only a SHOULD) and not reserved; its value must
// not be null or an empty list; names ending in _bin/_hex hold base64/hex.
func (v *validator) customProperty(m *member) {
	k := m.key
	if slices.Contains(reservedProperties, k) {
		v.add(k + " is a reserved property name")
		return
	}
	if !validPropertyName(k) {
		v.add("unknown property " + strconv.Quote(k) + ": custom property names must be 3-250 characters of a-z, 0-9 and _")
		return
	}
	switch {
	case strings.HasSuffix(k, "_bin"):
		v.check(tBinary(), &m.val)
	case strings.HasSuffix(k, "_hex"):
		v.check(tHex(), &m.val)
	case m.val.kind == kindNull:
		v.add("properties must not be null")
	case m.val.kind == kindArray && len(m.val.members) == 0:
		v.add("lists must not be empty")
	}
}

func validPropertyName(k string) bool {
	if len(k) < 3 || len(k) > 250 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// extensionTypes is the closed extension-type-enum.
var extensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

// extensions checks the extensions dictionary of an object of type typ:
// keys are extension-definition ids (whose values carry a valid
// extension_type) or, except on marking definitions, "*-ext" names (the
// predefined SCO extensions are checked against their definitions); values
// are non-empty objects.
func (v *validator) extensions(n *node, typ string) {
	if !v.wantKind(n, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add("extensions must not be empty")
	}
	for i := range n.members {
		m := &n.members[i]
		mark := v.at(m.key)
		v.extension(m, typ)
		v.back(mark)
	}
}

// extension checks the current member of an extensions dictionary.
func (v *validator) extension(m *member, typ string) {
	if !v.wantKind(&m.val, kindObject) {
		return
	}
	if len(m.val.members) == 0 {
		v.add("an extension must not be empty")
	}
	switch {
	case strings.HasPrefix(m.key, "extension-definition--"):
		v.identifierOf(&node{kind: kindString, str: m.key}, "extension-definition")
		v.members(&m.val, extensionProps, extensionRequired)
	case strings.HasSuffix(m.key, "-ext") && validTypeName(m.key) && typ != "marking-definition":
		if def := scoExtensions[typ][m.key]; def != nil {
			v.members(&m.val, def.props, def.required)
			if def.check != nil {
				def.check(v, &m.val)
			}
			return
		}
		v.members(&m.val, nil, nil) // a custom extension in the STIX 2.0 style
	default:
		v.add("extension keys must be extension-definition ids (or, except on marking definitions, end in -ext)")
	}
}
