package stix

import (
	"strconv"
	"strings"
)

// Properties of the nested STIX types. Like every table in this package
// they are built once and only read afterwards.
var (
	killChainPhaseProps    = map[string]prop{"kill_chain_name": tString(), "phase_name": tString()}
	externalReferenceProps = map[string]prop{
		"source_name": tString(), "description": tString(), "url": tString(),
		"hashes": tHashes(), "external_id": tString(),
	}
	granularMarkingProps = map[string]prop{
		"selectors": tStrings(), "lang": tString(), "marking_ref": tRef("marking-definition"),
	}
	extensionProps = map[string]prop{"extension_type": tEnum(extensionTypes...)}
)

// killChainPhase checks one kill-chain-phase.
func (v *validator) killChainPhase(n *node, p *path) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	v.members(n, p, killChainPhaseProps, "kill_chain_name", "phase_name")
}

// externalReference checks one external-reference: source_name and at
// least one of description, url and external_id.
func (v *validator) externalReference(n *node, p *path) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	v.members(n, p, externalReferenceProps, "source_name")
	if n.get("description") == nil && n.get("url") == nil && n.get("external_id") == nil {
		v.add(p, "an external reference needs at least one of description, url, external_id")
	}
	// CVE and CAPEC references must name the entry they cite.
	src, _ := n.getString("source_name")
	var valid func(string) bool
	switch src {
	case "cve":
		valid = isCVE
	case "capec":
		valid = isCAPEC
	default:
		return
	}
	id := n.get("external_id")
	if id == nil {
		v.add(p, "a "+src+" reference needs external_id")
		return
	}
	if id.kind == kindString && !valid(id.str) {
		ip := p.child("external_id")
		v.add(&ip, strconv.Quote(id.str)+" is not a valid "+strings.ToUpper(src)+" id")
	}
}

// isCVE reports whether s is CVE-YYYY-NNNN with a 4-digit year and a
// sequence of 4 or more digits (no leading zero beyond 4 digits).
func isCVE(s string) bool {
	rest, ok := strings.CutPrefix(s, "CVE-")
	if !ok || len(rest) < 9 || rest[4] != '-' || !allDigits(rest[:4]) {
		return false
	}
	seq := rest[5:]
	return allDigits(seq) && len(seq) >= 4 && (len(seq) == 4 || seq[0] != '0')
}

// isCAPEC reports whether s is CAPEC-N.
func isCAPEC(s string) bool {
	rest, ok := strings.CutPrefix(s, "CAPEC-")
	return ok && rest != "" && allDigits(rest)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// granularMarking checks one granular-marking: selectors and exactly one
// of marking_ref and lang.
func (v *validator) granularMarking(n *node, p *path) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	v.members(n, p, granularMarkingProps, "selectors")
	if (n.get("lang") == nil) == (n.get("marking_ref") == nil) {
		v.add(p, "a granular marking needs exactly one of marking_ref and lang")
	}
}

// members checks the members of a nested STIX type (not a top-level
// object): known members by props, required ones present, others must be
// valid custom property names.
func (v *validator) members(n *node, p *path, props map[string]prop, required ...string) {
	for i := range n.members {
		m := &n.members[i]
		mp := p.child(m.key)
		if pr, ok := props[m.key]; ok {
			v.check(pr, &m.val, &mp)
		} else {
			v.customProperty(m, &mp)
		}
	}
	v.required(n, p, required)
}

func (v *validator) required(n *node, p *path, required []string) {
	for _, r := range required {
		if n.get(r) == nil {
			v.add(p, "missing required property "+r)
		}
	}
}

// dictionary checks a STIX dictionary: a non-empty object whose keys are
// at most 250 ASCII characters.
func (v *validator) dictionary(n *node, p *path) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add(p, "a dictionary must not be empty")
	}
	for i := range n.members {
		k := n.members[i].key
		if len(k) > 250 || !isASCII(k) {
			mp := p.child(k)
			v.add(&mp, "dictionary keys must be ASCII, at most 250 characters")
		}
	}
}

// hashLengths gives the hex length of the hash algorithms whose format the
// hash-algorithm-ov vocabulary fixes.
func hashLength(alg string) int {
	switch alg {
	case "MD5":
		return 32
	case "SHA-1":
		return 40
	case "SHA-256", "SHA3-256":
		return 64
	case "SHA-512", "SHA3-512":
		return 128
	}
	return 0
}

// hashes checks a hashes dictionary: string values; known algorithms must
// have the right number of hex digits; other keys 3-250 of [a-zA-Z0-9_-].
func (v *validator) hashes(n *node, p *path) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add(p, "hashes must not be empty")
	}
	for i := range n.members {
		m := &n.members[i]
		mp := p.child(m.key)
		if !v.wantKind(&m.val, &mp, kindString) {
			continue
		}
		if l := hashLength(m.key); l > 0 {
			if len(m.val.str) != l || !isHexString(m.val.str) {
				v.add(&mp, m.key+" must be "+strconv.Itoa(l)+" hexadecimal digits")
			}
			continue
		}
		if !validHashKey(m.key) {
			v.add(&mp, "hash algorithm names must be 3-250 characters of a-z, A-Z, 0-9, _ and -")
		}
	}
}

func validHashKey(k string) bool {
	if len(k) < 3 || len(k) > 250 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// reservedProperties are names the specification reserves; no object may use them.
var reservedProperties = []string{"severity", "action", "username", "phone_numbers"}

// customProperty checks a property the type does not define: its name must
// be 3-250 characters of a-z, 0-9 and _ (the spec's MUST; x_ is only a
// SHOULD) and not reserved. Names ending in _bin/_hex must hold base64/hex.
func (v *validator) customProperty(m *member, p *path) {
	k := m.key
	if contains(reservedProperties, k) {
		v.add(p, k+" is a reserved property name")
		return
	}
	if !validPropertyName(k) {
		v.add(p, "unknown property "+strconv.Quote(k)+": custom property names must be 3-250 characters of a-z, 0-9 and _")
		return
	}
	switch {
	case strings.HasSuffix(k, "_bin"):
		v.check(tBinary(), &m.val, p)
	case strings.HasSuffix(k, "_hex"):
		v.check(tHex(), &m.val, p)
	case m.val.kind == kindNull:
		v.add(p, "properties must not be null")
	case m.val.kind == kindArray && len(m.val.elems) == 0:
		v.add(p, "lists must not be empty")
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// extensionTypes is the closed extension-type-enum.
var extensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

// extensions checks an extensions dictionary: keys are extension-definition
// ids (whose values carry a valid extension_type) or, for SCOs, predefined
// "*-ext" names; values are non-empty objects.
func (v *validator) extensions(n *node, p *path, cat category) {
	if !v.wantKind(n, p, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add(p, "extensions must not be empty")
	}
	for i := range n.members {
		m := &n.members[i]
		mp := p.child(m.key)
		if !v.wantKind(&m.val, &mp, kindObject) {
			continue
		}
		if len(m.val.members) == 0 {
			v.add(&mp, "an extension must not be empty")
		}
		if strings.HasPrefix(m.key, "extension-definition--") {
			v.identifier(&node{kind: kindString, str: m.key}, &mp, []string{"extension-definition"})
			v.members(&m.val, &mp, extensionProps, "extension_type")
			continue
		}
		if cat == catSCO && strings.HasSuffix(m.key, "-ext") && validTypeName(m.key) {
			v.members(&m.val, &mp, nil)
			continue
		}
		v.add(&mp, "extension keys must be extension-definition ids (or predefined -ext names on SCOs)")
	}
}
