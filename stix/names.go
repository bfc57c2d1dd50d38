package stix

// maxInternedLen is the length of the longest interned member name.
const maxInternedLen = 24

// internedName returns the constant string equal to b when b is one of the
// member names that occur in nearly every STIX object. The switch on
// string(b) does not allocate.
func internedName(b []byte) (string, bool) {
	switch string(b) {
	case "type":
		return "type", true
	case "id":
		return "id", true
	case "spec_version":
		return "spec_version", true
	case "created":
		return "created", true
	case "modified":
		return "modified", true
	case "created_by_ref":
		return "created_by_ref", true
	case "object_marking_refs":
		return "object_marking_refs", true
	case "labels":
		return "labels", true
	case "name":
		return "name", true
	case "description":
		return "description", true
	case "pattern":
		return "pattern", true
	case "pattern_type":
		return "pattern_type", true
	case "pattern_version":
		return "pattern_version", true
	case "valid_from":
		return "valid_from", true
	case "valid_until":
		return "valid_until", true
	case "indicator_types":
		return "indicator_types", true
	case "relationship_type":
		return "relationship_type", true
	case "source_ref":
		return "source_ref", true
	case "target_ref":
		return "target_ref", true
	case "external_references":
		return "external_references", true
	case "source_name":
		return "source_name", true
	case "url":
		return "url", true
	case "external_id":
		return "external_id", true
	case "kill_chain_phases":
		return "kill_chain_phases", true
	case "kill_chain_name":
		return "kill_chain_name", true
	case "phase_name":
		return "phase_name", true
	case "confidence":
		return "confidence", true
	case "revoked":
		return "revoked", true
	case "value":
		return "value", true
	case "object_refs":
		return "object_refs", true
	case "extensions":
		return "extensions", true
	case "extension_type":
		return "extension_type", true
	case "objects":
		return "objects", true
	}
	return "", false
}
