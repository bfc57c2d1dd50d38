package stix

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// propKind is the STIX data type of a property.
type propKind uint8

const (
	kString     propKind = iota // string
	kBool                       // boolean
	kInt                        // integer in [min, max]
	kFloat                      // number in [fmin, fmax]
	kTime                       // timestamp
	kRef                        // identifier of one of refs
	kRefs                       // non-empty list of identifiers of refs
	kStrings                    // non-empty list of strings
	kOpen                       // open vocabulary: any string (the spec says SHOULD)
	kOpens                      // non-empty list of open vocabulary strings
	kEnum                       // closed vocabulary: one of enum (the spec says MUST)
	kEnums                      // non-empty list of closed vocabulary values
	kKillChains                 // non-empty list of kill-chain-phase
	kExtRefs                    // non-empty list of external-reference
	kGranular                   // non-empty list of granular-marking
	kDict                       // dictionary (non-empty JSON object)
	kHashes                     // hashes dictionary
	kHex                        // hexadecimal string
	kBinary                     // base64 string
	kObjects                    // non-empty list of objects checked by item
	kObject                     // one object checked by item
)

// Reference target classes usable in prop.refs besides concrete type names.
const (
	refSDO = "@sdo" // any SDO, including custom object types
	refSCO = "@sco" // any SCO, including custom object types
	refSRO = "@sro" // relationship or sighting
	refAny = "@any" // any object type
)

// prop describes one property of an object type.
type prop struct {
	kind     propKind
	refs     []string
	enum     []string
	min, max int64
	fmin     float64
	fmax     float64
	item     func(v *validator, n *node) // checks one element of a kObjects list, or a kObject
	form     func(s string) error        // the string form of a kString, when it has one
}

func tString() prop              { return prop{kind: kString} }
func tBool() prop                { return prop{kind: kBool} }
func tInt(min, max int64) prop   { return prop{kind: kInt, min: min, max: max} }
func tFloat(a, b float64) prop   { return prop{kind: kFloat, fmin: a, fmax: b} }
func tTime() prop                { return prop{kind: kTime} }
func tRef(t ...string) prop      { return prop{kind: kRef, refs: t} }
func tRefs(t ...string) prop     { return prop{kind: kRefs, refs: t} }
func tStrings() prop             { return prop{kind: kStrings} }
func tOpen() prop                { return prop{kind: kOpen} }
func tOpens() prop               { return prop{kind: kOpens} }
func tEnum(vals ...string) prop  { return prop{kind: kEnum, enum: vals} }
func tEnums(vals ...string) prop { return prop{kind: kEnums, enum: vals} }
func tKillChains() prop          { return prop{kind: kKillChains} }
func tExtRefs() prop             { return prop{kind: kExtRefs} }
func tGranular() prop            { return prop{kind: kGranular} }
func tDict() prop                { return prop{kind: kDict} }
func tHashes() prop              { return prop{kind: kHashes} }
func tHex() prop                 { return prop{kind: kHex} }
func tBinary() prop              { return prop{kind: kBinary} }
func tObjects(item func(v *validator, n *node)) prop {
	return prop{kind: kObjects, item: item}
}
func tObject(item func(v *validator, n *node)) prop { return prop{kind: kObject, item: item} }

// tForm is a string whose form f checks (f returns a message for the
// Problem).
func tForm(f func(s string) error) prop { return prop{kind: kString, form: f} }

const maxInt = 1<<53 - 1 // largest integer every JSON consumer represents exactly

// check validates the current value n of a property described by pr.
func (v *validator) check(pr prop, n *node) {
	switch pr.kind {
	case kString, kOpen:
		if v.wantKind(n, kindString) && pr.form != nil {
			if err := pr.form(n.str); err != nil {
				v.add(err.Error())
			}
		}
	case kObject:
		if v.wantKind(n, kindObject) {
			pr.item(v, n)
		}
	case kBool:
		v.wantKind(n, kindBool)
	case kInt:
		i, ok := intValue(n)
		if !ok {
			v.add("must be an integer")
		} else if int64(i) < pr.min || int64(i) > pr.max {
			v.add("must be between " + strconv.FormatInt(pr.min, 10) + " and " + strconv.FormatInt(pr.max, 10))
		}
	case kFloat:
		if !v.wantKind(n, kindNumber) {
			return
		}
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil || f < pr.fmin || f > pr.fmax {
			v.add("must be a number between " + strconv.FormatFloat(pr.fmin, 'g', -1, 64) + " and " + strconv.FormatFloat(pr.fmax, 'g', -1, 64))
		}
	case kTime:
		v.timestamp(n)
	case kRef:
		v.identifier(n, pr.refs)
	case kHex:
		if v.wantKind(n, kindString) && !isHexString(n.str) {
			v.add("must be an even number of hexadecimal digits")
		}
	case kBinary:
		if v.wantKind(n, kindString) {
			if _, err := base64.StdEncoding.DecodeString(n.str); err != nil {
				v.add("must be base64 (RFC 4648 §4)")
			}
		}
	case kEnum:
		if v.wantKind(n, kindString) && !slices.Contains(pr.enum, n.str) {
			v.add(strconv.Quote(n.str) + " is not one of " + strings.Join(pr.enum, ", "))
		}
	case kDict:
		v.dictionary(n)
	case kHashes:
		v.hashes(n)
	default: // the list kinds
		if !v.wantKind(n, kindArray) {
			return
		}
		if len(n.members) == 0 {
			v.add("must not be an empty list")
			return
		}
		for i := range n.members {
			mark := v.atIndex(i)
			v.checkElement(pr, &n.members[i].val)
			v.back(mark)
		}
	}
}

// checkElement checks the current element e of a list property.
func (v *validator) checkElement(pr prop, e *node) {
	switch pr.kind {
	case kRefs:
		v.identifier(e, pr.refs)
	case kStrings, kOpens:
		v.wantKind(e, kindString)
	case kEnums:
		v.check(prop{kind: kEnum, enum: pr.enum}, e)
	case kKillChains:
		v.killChainPhase(e)
	case kExtRefs:
		v.externalReference(e)
	case kGranular:
		v.granularMarking(e)
	case kObjects:
		if v.wantKind(e, kindObject) {
			pr.item(v, e)
		}
	}
}

// wantKind reports a problem unless n has kind k.
func (v *validator) wantKind(n *node, k kind) bool {
	if n.kind != k {
		v.add("must be " + article(k) + " " + k.String() + ", not " + n.kind.String())
		return false
	}
	return true
}

// timestamp checks a STIX timestamp string.
func (v *validator) timestamp(n *node) bool {
	if !v.wantKind(n, kindString) {
		return false
	}
	if _, err := ParseTimestamp(n.str); err != nil {
		v.add(strings.TrimPrefix(err.Error(), "stix: "))
		return false
	}
	return true
}

// identifier checks an identifier whose type must be in allowed (empty or
// refAny: any type).
func (v *validator) identifier(n *node, allowed []string) {
	if !v.wantKind(n, kindString) {
		return
	}
	typ, _, err := ParseIdentifier(n.str)
	if err != nil {
		v.add(strings.TrimPrefix(err.Error(), "stix: "))
		return
	}
	if len(allowed) == 0 || refAllowed(typ, allowed) {
		return
	}
	v.add("must refer to " + describeRefs(allowed) + ", not " + typ)
}

// identifierOf checks an identifier of exactly type typ.
func (v *validator) identifierOf(n *node, typ string) {
	v.identifier(n, []string{typ})
}

func refAllowed(typ string, allowed []string) bool {
	if typ == "bundle" { // a bundle is a container, not an object to refer to
		return slices.Contains(allowed, "bundle")
	}
	for _, a := range allowed {
		switch a {
		case refAny:
			return true
		case refSDO:
			if c, ok := categoryOf(typ); !ok || c == catSDO {
				return true
			}
		case refSCO:
			if c, ok := categoryOf(typ); !ok || c == catSCO {
				return true
			}
		case refSRO:
			if c, ok := categoryOf(typ); ok && c == catSRO {
				return true
			}
		default:
			if a == typ {
				return true
			}
		}
	}
	return false
}

func describeRefs(allowed []string) string {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		switch a {
		case refSDO:
			names[i] = "an SDO"
		case refSCO:
			names[i] = "an SCO"
		case refSRO:
			names[i] = "an SRO"
		default:
			names[i] = a
		}
	}
	return strings.Join(names, " or ")
}

func isHexString(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func article(k kind) string {
	if k == kindArray || k == kindObject {
		return "an"
	}
	return "a"
}
