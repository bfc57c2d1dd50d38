package stix

// sroTypes defines the STIX 2.1 Relationship Objects (§5).
func sroTypes() map[string]*typeDef {
	// Relationships connect SDOs and SCOs, never SROs, bundles, language
	// content or marking definitions (§5.1).
	endpoint := tRef(refSDO, refSCO)
	return map[string]*typeDef{
		"relationship": sro(map[string]prop{
			"relationship_type": tString(), "description": tString(), "source_ref": endpoint,
			"target_ref": endpoint, "start_time": tTime(), "stop_time": tTime(),
		}, []string{"relationship_type", "source_ref", "target_ref"}, checkRelationship),
		"sighting": sro(map[string]prop{
			"description": tString(), "first_seen": tTime(), "last_seen": tTime(),
			"count": tInt(0, 999_999_999), "sighting_of_ref": tRef(refSDO),
			"observed_data_refs": tRefs("observed-data"), "where_sighted_refs": tRefs("identity", "location"),
			"summary": tBool(),
		}, []string{"sighting_of_ref"}, func(v *validator, n *node) {
			v.order(n, "first_seen", "last_seen", true)
		}),
	}
}

// checkRelationship: relationship_type is lower-case ASCII words joined by
// hyphens; stop_time is after start_time.
func checkRelationship(v *validator, n *node) {
	if rt, ok := n.getString("relationship_type"); ok {
		valid := len(rt) > 0 && len(rt) <= 250
		for i := 0; i < len(rt) && valid; i++ {
			c := rt[i]
			valid = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
		}
		if !valid {
			v.addAt("relationship_type", "relationship_type must be 1-250 characters of a-z, 0-9 and -")
		}
	}
	v.order(n, "start_time", "stop_time", false)
}
