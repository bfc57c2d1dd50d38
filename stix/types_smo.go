package stix

// smoTypes defines the STIX 2.1 Meta Objects (§7): extension definitions,
// language content and marking definitions.
func smoTypes() map[string]*typeDef {
	return map[string]*typeDef{
		"extension-definition": {cat: catSMO, common: sdoCommon, versioned: true, props: map[string]prop{
			"name": tString(), "description": tString(), "schema": tString(), "version": tString(),
			"extension_types": tEnums(extensionTypes...), "extension_properties": tStrings(),
		}, required: []string{"created_by_ref", "name", "schema", "version", "extension_types"}, check: checkExtensionDefinition},
		"language-content": {cat: catSMO, common: sdoCommon, versioned: true, props: map[string]prop{
			"object_ref": tRef(refAny), "object_modified": tTime(), "contents": tDict(),
		}, required: []string{"object_ref", "contents"}},
		"marking-definition": {cat: catSMO, common: smoCommon, props: map[string]prop{
			"name": tString(), "definition_type": tOpen(), "definition": tDict(),
		}, check: checkMarkingDefinition},
	}
}

// checkExtensionDefinition: toplevel-property-extension definitions list
// their properties; others must not.
func checkExtensionDefinition(v *validator, n *node) {
	types := n.get("extension_types")
	hasTop := false
	if types != nil && types.kind == kindArray {
		for i := range types.members {
			if types.members[i].val.kind == kindString && types.members[i].val.str == "toplevel-property-extension" {
				hasTop = true
			}
		}
	}
	if n.get("extension_properties") != nil && !hasTop {
		v.add("extension_properties is only allowed for toplevel-property-extension")
	}
}

// checkMarkingDefinition: marking definitions are not versioned; a
// definition_type needs a definition (statement and tlp forms checked);
// a marking without extensions needs both; a TLP id must carry exactly the
// OASIS content.
func checkMarkingDefinition(v *validator, n *node) {
	for _, k := range []string{"modified", "revoked"} {
		if n.get(k) != nil {
			v.addAt(k, "marking definitions are not versioned: "+k+" is not allowed")
		}
	}
	dt, hasType := n.getString("definition_type")
	def := n.get("definition")
	if n.get("extensions") == nil && (n.get("definition_type") == nil || def == nil) {
		v.add("a marking definition needs definition_type and definition, or extensions")
	}
	if def != nil && def.kind == kindObject && hasType {
		mark := v.at("definition")
		switch dt {
		case "statement":
			v.members(def, statementProps, statementRequired)
		case "tlp":
			v.members(def, tlpDefinitionProps, tlpDefinitionRequired)
		}
		v.back(mark)
	}
	if id, ok := n.getString("id"); ok {
		if m, isTLP := lookupTLPMarking(id); isTLP {
			if !isPredefinedContent(n, id, m) {
				v.add(id + " is the predefined " + m.level.String() + " marking: its content must be exactly the OASIS definition")
			}
		} else {
			v.counterfeitTLP(n, dt)
		}
	}
}

// counterfeitTLP refuses a TLP marking definition that is not one of the
// predefined ones: STIX 2.1 §7.2.1.4 makes the four published TLP 1.0
// objects the only TLP marking definitions that may be used or created,
// and the TLP 2.0 extension
// (extension-definition--60a3c5c5-…) likewise publishes exactly five.
// A fresh id claiming a TLP level would be displayed as TLP by every
// consumer while JAG, which trusts only the predefined ids, would store
// it under another marking.
func (v *validator) counterfeitTLP(n *node, definitionType string) {
	if definitionType == "tlp" {
		v.addAt("definition_type", `only the predefined TLP marking definitions may have definition_type "tlp": reference the OASIS TLP marking ids instead`)
	}
	if ext := n.get("extensions"); ext != nil && ext.kind == kindObject && ext.get(TLP2ExtensionID) != nil {
		mark := v.at("extensions")
		v.addAt(TLP2ExtensionID, "only the predefined TLP 2.0 marking definitions may use the TLP 2.0 extension: reference the OASIS TLP 2.0 marking ids instead")
		v.back(mark)
	}
}

var (
	statementProps     = map[string]prop{"statement": tString()}
	tlpDefinitionProps = map[string]prop{"tlp": tEnum("white", "green", "amber", "red")}

	statementRequired     = []string{"statement"}
	tlpDefinitionRequired = []string{"tlp"}
)
