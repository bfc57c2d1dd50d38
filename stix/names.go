package stix

// internedNames are the member names that occur in nearly every STIX
// object. The decoder returns these constants instead of allocating the
// same few names thousands of times per bundle.
var internedNames = [...]string{
	"type", "id", "spec_version", "created", "modified", "created_by_ref",
	"object_marking_refs", "labels", "name", "description", "pattern",
	"pattern_type", "pattern_version", "valid_from", "valid_until",
	"indicator_types", "relationship_type", "source_ref", "target_ref",
	"external_references", "source_name", "url", "external_id",
	"kill_chain_phases", "kill_chain_name", "phase_name", "confidence",
	"revoked", "value", "object_refs", "extensions", "extension_type",
	"objects",
}

// maxInternedLen is the length of the longest interned member name.
const maxInternedLen = 24

// internedByLen groups internedNames by length, so a lookup compares b
// with the two or three names of its length only.
var internedByLen = func() (t [maxInternedLen + 1][]string) {
	for _, s := range internedNames {
		t[len(s)] = append(t[len(s)], s)
	}
	return t
}()

// internedName returns the constant string equal to b when b is one of
// internedNames. The comparison string(b) == s does not allocate.
func internedName(b []byte) (string, bool) {
	if len(b) > maxInternedLen {
		return "", false
	}
	for _, s := range internedByLen[len(b)] {
		if string(b) == s {
			return s, true
		}
	}
	return "", false
}
