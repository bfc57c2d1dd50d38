package stix

import (
	"errors"
	"fmt"
	"strings"
)

// TLP is a Traffic Light Protocol 2.0 level.
type TLP string

// The TLP 2.0 levels, least to most restrictive.
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// ErrTLP is matched by every error ParseTLP returns.
var ErrTLP = errors.New("stix: unknown TLP level")

// ParseTLP parses a TLP level name, case-insensitively and with an optional
// "TLP:" prefix; the TLP 1.0 name "white" maps to TLPClear.
func ParseTLP(s string) (TLP, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "tlp:")
	switch TLP(v) {
	case TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed:
		return TLP(v), nil
	case "white":
		return TLPClear, nil
	}
	return "", fmt.Errorf("%w %q", ErrTLP, s)
}

// Rank orders levels by restriction: clear 0, green 1, amber 2,
// amber+strict 3, red 4. An unknown level ranks as red (4): when in doubt,
// restrict.
func (t TLP) Rank() int {
	switch t {
	case TLPClear:
		return 0
	case TLPGreen:
		return 1
	case TLPAmber:
		return 2
	case TLPAmberStrict:
		return 3
	}
	return 4
}

// String returns the upper-case display form, e.g. "TLP:AMBER+STRICT".
func (t TLP) String() string { return "TLP:" + strings.ToUpper(string(t)) }

// tlpMarking is one predefined OASIS TLP marking-definition object.
type tlpMarking struct {
	level TLP
	name  string // e.g. "TLP:AMBER+STRICT", "TLP:WHITE"
	v1    bool   // a TLP 1.0 definition, mapped to its 2.0 level
}

// content returns the published JSON of the marking with this id.
func (m tlpMarking) content(id string) string {
	if m.v1 {
		return tlp1JSON(id, m.name, strings.ToLower(strings.TrimPrefix(m.name, "TLP:")))
	}
	return tlp2JSON(id, m.name, string(m.level))
}

// TLP2ExtensionID is the OASIS extension-definition that carries the TLP
// 2.0 level of a marking-definition ("tlp_2_0").
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

func tlp2JSON(id string, name, level string) string {
	return `{"type":"marking-definition","spec_version":"2.1","id":"` + id +
		`","created":"2022-10-01T00:00:00.000Z","name":"` + name +
		`","extensions":{"` + TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"` + level + `"}}}`
}

func tlp1JSON(id, name, level string) string {
	return `{"type":"marking-definition","spec_version":"2.1","id":"` + id +
		`","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"` + name +
		`","definition":{"tlp":"` + level + `"}}`
}

// The predefined marking-definition ids (API.md §2).
const (
	TLPClearID       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLPGreenID       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLPAmberID       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLPAmberStrictID = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLPRedID         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	TLP1WhiteID = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1GreenID = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1AmberID = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1RedID   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

// lookupTLPMarking returns the predefined marking with this id.
func lookupTLPMarking(id string) (tlpMarking, bool) {
	switch id {
	case TLPClearID:
		return tlpMarking{TLPClear, "TLP:CLEAR", false}, true
	case TLPGreenID:
		return tlpMarking{TLPGreen, "TLP:GREEN", false}, true
	case TLPAmberID:
		return tlpMarking{TLPAmber, "TLP:AMBER", false}, true
	case TLPAmberStrictID:
		return tlpMarking{TLPAmberStrict, "TLP:AMBER+STRICT", false}, true
	case TLPRedID:
		return tlpMarking{TLPRed, "TLP:RED", false}, true
	case TLP1WhiteID:
		return tlpMarking{TLPClear, "TLP:WHITE", true}, true
	case TLP1GreenID:
		return tlpMarking{TLPGreen, "TLP:GREEN", true}, true
	case TLP1AmberID:
		return tlpMarking{TLPAmber, "TLP:AMBER", true}, true
	case TLP1RedID:
		return tlpMarking{TLPRed, "TLP:RED", true}, true
	}
	return tlpMarking{}, false
}

// isPredefinedContent reports whether n is exactly the published content
// of the predefined marking m with this id.
func isPredefinedContent(n *node, id string, m tlpMarking) bool {
	want, err := parseDocument([]byte(m.content(id)), Limits{})
	if err != nil {
		panic("stix: predefined TLP marking does not parse: " + err.Error())
	}
	return sameJSON(n, &want)
}

// MarkingTLP maps a TLP 2.0 or 1.0 marking-definition id to its TLP 2.0
// level (API.md §2). ok is false for any other id.
func MarkingTLP(markingID string) (TLP, bool) {
	m, ok := lookupTLPMarking(markingID)
	return m.level, ok
}

// IsPredefinedTLPMarking reports whether o IS one of the OASIS TLP 1.0/2.0
// marking-definition objects: its id is a TLP id and its content is the
// published content, compared semantically (same members and values, any
// member order or whitespace).
func IsPredefinedTLPMarking(o *Object) bool {
	if o == nil {
		return false
	}
	m, ok := lookupTLPMarking(o.ID)
	if !ok {
		return false
	}
	n, err := o.node()
	if err != nil {
		return false
	}
	return isPredefinedContent(n, o.ID, m)
}

// ObjectTLP returns the most restrictive TLP among refs; a ref that is
// neither a TLP id nor known(ref)==true counts as RED; no TLP ref at all
// gives def. known may be nil (every non-TLP ref is then unknown).
func ObjectTLP(refs []string, known func(id string) bool, def TLP) TLP {
	best, found := TLPClear, false
	for _, r := range refs {
		t, ok := MarkingTLP(r)
		if !ok {
			if known != nil && known(r) {
				continue
			}
			t = TLPRed
		}
		if !found || t.Rank() > best.Rank() {
			best, found = t, true
		}
	}
	if !found {
		return def
	}
	return best
}

// sameJSON reports whether two parsed values are semantically equal:
// numbers compare by literal, objects by member set.
func sameJSON(a, b *node) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNull:
		return true
	case kindBool:
		return a.b == b.b
	case kindNumber, kindString:
		return a.str == b.str
	case kindArray:
		if len(a.members) != len(b.members) {
			return false
		}
		for i := range a.members {
			if !sameJSON(&a.members[i].val, &b.members[i].val) {
				return false
			}
		}
		return true
	}
	if len(a.members) != len(b.members) {
		return false
	}
	for i := range a.members {
		v := b.get(a.members[i].key)
		if v == nil || !sameJSON(&a.members[i].val, v) {
			return false
		}
	}
	return true
}
