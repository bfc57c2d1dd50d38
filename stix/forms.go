package stix

import (
	"errors"
	"regexp"
	"strconv"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/jag-hub/jag/stix/pattern"
)

// String forms and nested structures whose content STIX 2.1 fixes beyond
// the JSON type. Like every table in this package they are built once and
// only read afterwards.

// scoValue is the form of an SCO property that patterns compare too
// (ipv4-addr, ipv6-addr, url and email-addr value, windows-registry-key
// key): one rule for objects and patterns, pattern.CheckValue.
func scoValue(typ, property string) prop {
	return tForm(func(s string) error { return pattern.CheckValue(typ, property, s) })
}

// cpe23 is the CPE 2.3 formatted string binding (NISTIR 7695 §6.2, the
// expression of the OASIS schema software.json, anchored).
var cpe23 = func() *regexp.Regexp {
	avstring := `(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^` + "`" + `\{\|}~]))+(\?*|\*?))|[\*\-])`
	lang := `(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-])`
	return regexp.MustCompile(`^cpe:2\.3:[aho\*\-](:` + avstring + `){5}(:` + lang + `)(:` + avstring + `){4}$`)
}()

// checkCPE checks software.cpe (STIX 2.1 §6.14: a CPE v2.3 entry).
func checkCPE(s string) error {
	if !cpe23.MatchString(s) {
		return errors.New("must be a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other), not " + strconv.Quote(clip(s)))
	}
	return nil
}

// checkCharset checks a character set name (file.name_enc §6.7,
// directory.path_enc §6.3): a name or alias from the IANA Character Sets
// registry, matched case-insensitively as the registry specifies.
func checkCharset(s string) error {
	if _, err := ianaindex.IANA.Encoding(s); err != nil {
		return errors.New("must be a character set name from the IANA registry (e.g. UTF-8, ISO-8859-1), not " + strconv.Quote(clip(s)))
	}
	return nil
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// x509V3ExtensionProps is the x509-v3-extensions-type (§6.17.2): strings,
// and two timestamps that must be real instants.
var x509V3ExtensionProps = map[string]prop{
	"basic_constraints": tString(), "name_constraints": tString(), "policy_constraints": tString(),
	"key_usage": tString(), "extended_key_usage": tString(), "subject_key_identifier": tString(),
	"authority_key_identifier": tString(), "subject_alternative_name": tString(),
	"issuer_alternative_name": tString(), "subject_directory_attributes": tString(),
	"crl_distribution_points": tString(), "inhibit_any_policy": tString(),
	"private_key_usage_period_not_before": tTime(), "private_key_usage_period_not_after": tTime(),
	"certificate_policies": tString(), "policy_mappings": tString(),
}

// x509V3Extensions checks an x509_v3_extensions value.
func x509V3Extensions(v *validator, n *node) {
	if len(n.members) == 0 {
		v.add("x509_v3_extensions must not be empty")
	}
	v.members(n, x509V3ExtensionProps, nil)
}

// observedObjects checks the deprecated observed-data objects dictionary
// (§4.13): a non-empty dictionary of cyber-observable objects. The
// embedded objects refer to each other by dictionary key, not identifier,
// so only the timestamps of predefined types (and of their predefined
// extensions) are checked: they must be real instants wherever they are.
func observedObjects(v *validator, n *node) {
	v.dictionary(n)
	for i := range n.members {
		m := &n.members[i]
		typ, _ := m.val.getString("type")
		def := observedTypes[typ]
		if m.val.kind != kindObject || def == nil {
			continue
		}
		mark := v.at(m.key)
		v.timestamps(&m.val, def.props)
		if ext := m.val.get("extensions"); ext != nil && ext.kind == kindObject {
			em := v.at("extensions")
			for j := range ext.members {
				e := &ext.members[j]
				if d := scoExtensions[typ][e.key]; d != nil && e.val.kind == kindObject {
					jm := v.at(e.key)
					v.timestamps(&e.val, d.props)
					v.back(jm)
				}
			}
			v.back(em)
		}
		v.back(mark)
	}
}

// observedTypes are the SCO definitions observedObjects uses (a copy of
// its own: typeDefs, which holds observed-data, cannot be used here).
var observedTypes = scoTypes()

// timestamps checks the members of n that props defines as timestamps.
func (v *validator) timestamps(n *node, props map[string]prop) {
	for i := range n.members {
		m := &n.members[i]
		if pr, ok := props[m.key]; ok && pr.kind == kTime {
			mark := v.at(m.key)
			v.timestamp(&m.val)
			v.back(mark)
		}
	}
}
