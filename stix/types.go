package stix

// category is the kind of STIX object a type belongs to.
type category uint8

const (
	catSDO category = iota + 1 // STIX Domain Object
	catSRO                     // STIX Relationship Object
	catSCO                     // STIX Cyber-observable Object
	catSMO                     // STIX Meta Object
)

// typeDef describes one STIX object type.
type typeDef struct {
	cat       category
	common    map[string]prop // common properties of the category
	versioned bool            // has created and modified (all but SCOs and marking-definition)
	props     map[string]prop // type-specific properties
	required  []string        // type-specific required properties
	// check enforces constraints between properties (co-constraints,
	// "at least one of", ordering of timestamps); it may be nil.
	check func(v *validator, n *node)
}

// typeDefs maps every STIX 2.1 object type to its definition. It is built
// once at package initialisation and never modified.
var typeDefs = func() map[string]*typeDef {
	m := make(map[string]*typeDef, 64)
	for _, src := range []map[string]*typeDef{sdoTypes(), sroTypes(), scoTypes(), smoTypes()} {
		for k, d := range src {
			m[k] = d
		}
	}
	return m
}()

// categoryOf returns the category of a predefined type; ok is false for
// custom types. (A switch, not a typeDefs lookup, so that the type tables
// may refer to it.)
func categoryOf(typ string) (category, bool) {
	switch typ {
	case "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
		"indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
		"note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability":
		return catSDO, true
	case "relationship", "sighting":
		return catSRO, true
	case "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
		"file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
		"software", "url", "user-account", "windows-registry-key", "x509-certificate":
		return catSCO, true
	case "extension-definition", "language-content", "marking-definition":
		return catSMO, true
	}
	return 0, false
}

// Common properties (STIX 2.1 §3.2) per category.
var (
	sdoCommon = map[string]prop{
		"created_by_ref":      tRef("identity"),
		"revoked":             tBool(),
		"labels":              tStrings(),
		"confidence":          tInt(0, 100),
		"lang":                tString(),
		"external_references": tExtRefs(),
		"object_marking_refs": tRefs("marking-definition"),
		"granular_markings":   tGranular(),
	}
	scoCommon = map[string]prop{
		"object_marking_refs": tRefs("marking-definition"),
		"granular_markings":   tGranular(),
		"defanged":            tBool(),
	}
	smoCommon = map[string]prop{
		"created_by_ref":      tRef("identity"),
		"external_references": tExtRefs(),
		"object_marking_refs": tRefs("marking-definition"),
		"granular_markings":   tGranular(),
	}
)

func sdo(props map[string]prop, required []string, check func(*validator, *node)) *typeDef {
	return &typeDef{cat: catSDO, common: sdoCommon, versioned: true, props: props, required: required, check: check}
}

func sro(props map[string]prop, required []string, check func(*validator, *node)) *typeDef {
	return &typeDef{cat: catSRO, common: sdoCommon, versioned: true, props: props, required: required, check: check}
}

func sco(props map[string]prop, required []string, check func(*validator, *node)) *typeDef {
	return &typeDef{cat: catSCO, common: scoCommon, props: props, required: required, check: check}
}
