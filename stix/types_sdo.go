package stix

import (
	"github.com/jag-hub/jag/stix/pattern"
)

// sdoTypes defines the STIX 2.1 Domain Objects (§4).
func sdoTypes() map[string]*typeDef {
	seen := map[string]prop{"first_seen": tTime(), "last_seen": tTime()}
	with := func(base map[string]prop, extra map[string]prop) map[string]prop {
		m := make(map[string]prop, len(base)+len(extra))
		for k, p := range base {
			m[k] = p
		}
		for k, p := range extra {
			m[k] = p
		}
		return m
	}
	seenOrder := func(v *validator, n *node) { v.order(n, "first_seen", "last_seen", true) }
	return map[string]*typeDef{
		"attack-pattern": sdo(map[string]prop{
			"name": tString(), "description": tString(), "aliases": tStrings(), "kill_chain_phases": tKillChains(),
		}, []string{"name"}, nil),
		"campaign": sdo(with(seen, map[string]prop{
			"name": tString(), "description": tString(), "aliases": tStrings(), "objective": tString(),
		}), []string{"name"}, seenOrder),
		"course-of-action": sdo(map[string]prop{
			"name": tString(), "description": tString(),
		}, []string{"name"}, nil),
		"grouping": sdo(map[string]prop{
			"name": tString(), "description": tString(), "context": tOpen(), "object_refs": tRefs(refAny),
		}, []string{"context", "object_refs"}, nil),
		"identity": sdo(map[string]prop{
			"name": tString(), "description": tString(), "roles": tStrings(), "identity_class": tOpen(),
			"sectors": tOpens(), "contact_information": tString(),
		}, []string{"name"}, nil),
		"incident": sdo(map[string]prop{
			"name": tString(), "description": tString(), "kill_chain_phases": tKillChains(),
		}, []string{"name"}, nil),
		"indicator": sdo(map[string]prop{
			"name": tString(), "description": tString(), "indicator_types": tOpens(), "pattern": tString(),
			"pattern_type": tOpen(), "pattern_version": tString(), "valid_from": tTime(), "valid_until": tTime(),
			"kill_chain_phases": tKillChains(),
		}, []string{"pattern", "pattern_type", "valid_from"}, checkIndicator),
		"infrastructure": sdo(with(seen, map[string]prop{
			"name": tString(), "description": tString(), "infrastructure_types": tOpens(), "aliases": tStrings(),
			"kill_chain_phases": tKillChains(),
		}), []string{"name"}, seenOrder),
		"intrusion-set": sdo(with(seen, map[string]prop{
			"name": tString(), "description": tString(), "aliases": tStrings(), "goals": tStrings(),
			"resource_level": tOpen(), "primary_motivation": tOpen(), "secondary_motivations": tOpens(),
		}), []string{"name"}, seenOrder),
		"location": sdo(map[string]prop{
			"name": tString(), "description": tString(), "latitude": tFloat(-90, 90), "longitude": tFloat(-180, 180),
			"precision": tFloat(0, 1e308), "region": tOpen(), "country": tString(), "administrative_area": tString(),
			"city": tString(), "street_address": tString(), "postal_code": tString(),
		}, nil, checkLocation),
		"malware": sdo(with(seen, map[string]prop{
			"name": tString(), "description": tString(), "malware_types": tOpens(), "is_family": tBool(),
			"aliases": tStrings(), "kill_chain_phases": tKillChains(), "operating_system_refs": tRefs("software"),
			"architecture_execution_envs": tOpens(), "implementation_languages": tOpens(), "capabilities": tOpens(),
			"sample_refs": tRefs("file", "artifact"),
		}), []string{"is_family"}, checkMalware),
		"malware-analysis": sdo(map[string]prop{
			"product": tString(), "version": tString(), "host_vm_ref": tRef("software"),
			"operating_system_ref": tRef("software"), "installed_software_refs": tRefs("software"),
			"configuration_version": tString(), "modules": tStrings(), "analysis_engine_version": tString(),
			"analysis_definition_version": tString(), "submitted": tTime(), "analysis_started": tTime(),
			"analysis_ended": tTime(), "result_name": tString(), "result": tOpen(), "analysis_sco_refs": tRefs(refSCO),
			"sample_ref": tRef("file", "artifact", "network-traffic"),
		}, []string{"product"}, checkMalwareAnalysis),
		"note": sdo(map[string]prop{
			"abstract": tString(), "content": tString(), "authors": tStrings(), "object_refs": tRefs(refAny),
		}, []string{"content", "object_refs"}, nil),
		"observed-data": sdo(map[string]prop{
			"first_observed": tTime(), "last_observed": tTime(), "number_observed": tInt(1, 999_999_999),
			"objects": tObject(observedObjects), "object_refs": tRefs(refSCO, refSRO),
		}, []string{"first_observed", "last_observed", "number_observed"}, checkObservedData),
		"opinion": sdo(map[string]prop{
			"explanation": tString(), "authors": tStrings(),
			"opinion":     tEnum("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"),
			"object_refs": tRefs(refAny),
		}, []string{"opinion", "object_refs"}, nil),
		"report": sdo(map[string]prop{
			"name": tString(), "description": tString(), "report_types": tOpens(), "published": tTime(),
			"object_refs": tRefs(refAny),
		}, []string{"name", "published", "object_refs"}, nil),
		"threat-actor": sdo(with(seen, map[string]prop{
			"name": tString(), "description": tString(), "threat_actor_types": tOpens(), "aliases": tStrings(),
			"roles": tOpens(), "goals": tStrings(), "sophistication": tOpen(), "resource_level": tOpen(),
			"primary_motivation": tOpen(), "secondary_motivations": tOpens(), "personal_motivations": tOpens(),
		}), []string{"name"}, seenOrder),
		"tool": sdo(map[string]prop{
			"name": tString(), "description": tString(), "tool_types": tOpens(), "aliases": tStrings(),
			"kill_chain_phases": tKillChains(), "tool_version": tString(),
		}, []string{"name"}, nil),
		"vulnerability": sdo(map[string]prop{
			"name": tString(), "description": tString(),
		}, []string{"name"}, nil),
	}
}

// checkIndicator orders valid_from/valid_until and parses STIX patterns.
func checkIndicator(v *validator, n *node) {
	v.order(n, "valid_from", "valid_until", false)
	pt, ok1 := n.getString("pattern_type")
	src, ok2 := n.getString("pattern")
	if !ok1 || !ok2 || pt != "stix" {
		return
	}
	p, err := pattern.Parse(src)
	if err != nil {
		mark := v.at("pattern")
		v.addCode(CodeInvalidPattern, err.Error())
		v.back(mark)
		return
	}
	v.keepPattern(p)
}

// checkLocation: at least one of region, country or latitude+longitude;
// latitude and longitude go together; precision needs both.
func checkLocation(v *validator, n *node) {
	lat, lon := n.get("latitude") != nil, n.get("longitude") != nil
	if lat != lon {
		v.add("latitude and longitude must be given together")
	}
	if n.get("precision") != nil && !(lat && lon) {
		v.add("precision requires latitude and longitude")
	}
	if n.get("region") == nil && n.get("country") == nil && !(lat && lon) {
		v.add("a location needs region, country, or latitude and longitude")
	}
}

// checkMalware: a malware family must be named.
func checkMalware(v *validator, n *node) {
	v.order(n, "first_seen", "last_seen", true)
	if f := n.get("is_family"); f != nil && f.kind == kindBool && f.b && n.get("name") == nil {
		v.add("name is required when is_family is true")
	}
}

// checkMalwareAnalysis: result or analysis_sco_refs must be present.
func checkMalwareAnalysis(v *validator, n *node) {
	if n.get("result") == nil && n.get("analysis_sco_refs") == nil {
		v.add("a malware-analysis needs result or analysis_sco_refs")
	}
	v.order(n, "analysis_started", "analysis_ended", true)
}

// checkObservedData: exactly one of objects (deprecated) and object_refs;
// last_observed not before first_observed.
func checkObservedData(v *validator, n *node) {
	if (n.get("objects") == nil) == (n.get("object_refs") == nil) {
		v.add("observed-data needs exactly one of object_refs and objects")
	}
	v.order(n, "first_observed", "last_observed", true)
}
