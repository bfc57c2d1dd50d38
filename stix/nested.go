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

	killChainPhaseRequired    = []string{"kill_chain_name", "phase_name"}
	externalReferenceRequired = []string{"source_name"}
	granularMarkingRequired   = []string{"selectors"}
	extensionRequired         = []string{"extension_type"}
)

// members checks the members of a nested STIX type (not a top-level
// object): known members by props, required ones present, others must be
// valid custom property names.
func (v *validator) members(n *node, props map[string]prop, required []string) {
	for i := range n.members {
		m := &n.members[i]
		mark := v.at(m.key)
		if pr, ok := props[m.key]; ok {
			v.check(pr, &m.val)
		} else {
			v.customProperty(m)
		}
		v.back(mark)
	}
	v.required(n, required)
}

// required reports every name in required that n lacks.
func (v *validator) required(n *node, required []string) {
	for _, r := range required {
		if n.get(r) == nil {
			v.add("missing required property " + r)
		}
	}
}

// killChainPhase checks one kill-chain-phase.
func (v *validator) killChainPhase(n *node) {
	if v.wantKind(n, kindObject) {
		v.members(n, killChainPhaseProps, killChainPhaseRequired)
	}
}

// externalReference checks one external-reference: source_name, at least
// one of description, url and external_id, and a valid external_id for
// CVE and CAPEC references.
func (v *validator) externalReference(n *node) {
	if !v.wantKind(n, kindObject) {
		return
	}
	v.members(n, externalReferenceProps, externalReferenceRequired)
	if n.get("description") == nil && n.get("url") == nil && n.get("external_id") == nil {
		v.add("an external reference needs at least one of description, url, external_id")
	}
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
		v.add("a " + src + " reference needs external_id")
		return
	}
	if id.kind == kindString && !valid(id.str) {
		v.addAt("external_id", strconv.Quote(id.str)+" is not a valid "+strings.ToUpper(src)+" id")
	}
}

// isCVE reports whether s is CVE-YYYY-NNNN: a 4-digit year and a sequence
// number of 4 digits, or more without a leading zero.
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
	_, ok := digits(s)
	return ok && s != ""
}

// granularMarking checks one granular-marking: selectors and exactly one
// of marking_ref and lang.
func (v *validator) granularMarking(n *node) {
	if !v.wantKind(n, kindObject) {
		return
	}
	v.members(n, granularMarkingProps, granularMarkingRequired)
	if (n.get("lang") == nil) == (n.get("marking_ref") == nil) {
		v.add("a granular marking needs exactly one of marking_ref and lang")
	}
}

// dictionary checks a STIX dictionary: a non-empty object whose keys are
// at most 250 ASCII characters.
func (v *validator) dictionary(n *node) {
	if !v.wantKind(n, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add("a dictionary must not be empty")
	}
	for i := range n.members {
		if k := n.members[i].key; len(k) > 250 || !isASCII(k) {
			v.addAt(k, "dictionary keys must be ASCII, at most 250 characters")
		}
	}
}

// hashLength gives the number of hex digits of the hash algorithms whose
// format the hash-algorithm-ov vocabulary fixes, 0 for others.
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
func (v *validator) hashes(n *node) {
	if !v.wantKind(n, kindObject) {
		return
	}
	if len(n.members) == 0 {
		v.add("hashes must not be empty")
	}
	for i := range n.members {
		m := &n.members[i]
		mark := v.at(m.key)
		switch l := hashLength(m.key); {
		case !v.wantKind(&m.val, kindString):
		case l > 0:
			if len(m.val.str) != l || !isHexString(m.val.str) {
				v.add(m.key + " must be " + strconv.Itoa(l) + " hexadecimal digits")
			}
		case !validHashKey(m.key):
			v.add("hash algorithm names must be 3-250 characters of a-z, A-Z, 0-9, _ and -")
		}
		v.back(mark)
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
