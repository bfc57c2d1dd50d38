package stix

import (
	"strings"
	"testing"
)

// validIndicator is a complete, valid indicator used as the base of the
// mutation cases below.
const validIndicator = `{"type":"indicator","spec_version":"2.1",
"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
"created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
"indicator_types":["malicious-activity"],"name":"Poison Ivy Malware",
"pattern":"[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
"pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z",
"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}`

func bundleOf(objs ...string) string {
	return `{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[` +
		strings.Join(objs, ",") + `]}`
}

// edit replaces old by new in s once and fails loudly when old is absent,
// so a mutation can never silently leave the input unchanged.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("mutation base lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestValidateValid(t *testing.T) {
	docs := map[string]string{
		"indicator":                     bundleOf(validIndicator),
		"sco with v5 id and no created": bundleOf(`{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}`),
		"custom object and property":    bundleOf(`{"type":"x-acme-widget","spec_version":"2.1","id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","x_acme_size":3}`),
		"tlp 2.0 marking":               bundleOf(tlpAmberStrict),
		"statement marking":             bundleOf(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41dd","created":"2016-08-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2016, Example Corp"}}`),
		"relationship":                  bundleOf(`{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"indicates","source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}`),
		"extension-definition":          bundleOf(`{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"JAG signature","schema":"https://jag.example/signature.json","version":"1.0","extension_types":["property-extension"]}`),
		"property extension":            bundleOf(edit(t, validIndicator, `"name"`, `"extensions":{"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc":{"extension_type":"property-extension","signature":"x"}},"name"`)),
	}
	docs["granular marking and sco extension"] = bundleOf(`{"type":"file","id":"file--fb0419a8-f09c-57f8-be64-71a80417591c","name":"a.zip",
		"extensions":{"archive-ext":{"contains_refs":["file--fb0419a8-f09c-57f8-be64-71a80417591d"]}},
		"granular_markings":[{"marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["name"]},{"lang":"en","selectors":["name"]}]}`)
	docs["multipart email"] = bundleOf(`{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,
		"body_multipart":[{"content_type":"text/plain","body":"hi"},{"content_type":"image/png","body_raw_ref":"artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5"}]}`)
	docs["custom unversioned object"] = bundleOf(`{"type":"x-acme-thing","id":"x-acme-thing--ff26c055-6336-5bc5-b98d-13d6226742dd","x_v":true}`)
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(doc), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if probs := validateBundle(b); probs != nil {
				t.Errorf("unexpected problems: %v", probs)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	ind := validIndicator
	tests := []struct {
		name    string
		doc     string
		pointer string
		msg     string // substring of the message
		code    string
	}{
		{"2.0 bundle", edit(t, bundleOf(ind), `"type":"bundle",`, `"type":"bundle","spec_version":"2.0",`), "/spec_version", "STIX 2.0 is not supported; convert to 2.1", CodeInvalidObject},
		{"2.0 object", bundleOf(edit(t, ind, `"spec_version":"2.1"`, `"spec_version":"2.0"`)), "/objects/0/spec_version", "STIX 2.0 is not supported", CodeInvalidObject},
		{"bundle type", edit(t, bundleOf(ind), `"type":"bundle"`, `"type":"bundles"`), "/type", "bundle", CodeInvalidObject},
		{"bundle id", edit(t, bundleOf(ind), `"bundle--44af6c39`, `"report--44af6c39`), "/id", "bundle", CodeInvalidObject},
		{"missing spec_version", bundleOf(edit(t, ind, `"spec_version":"2.1",`, ``)), "/objects/0", "spec_version", CodeInvalidObject},
		{"missing created", bundleOf(edit(t, ind, `"created":"2016-04-06T20:03:48.000Z",`, ``)), "/objects/0", "created", CodeInvalidObject},
		{"missing pattern", bundleOf(edit(t, ind, `"pattern_type":"stix",`, ``)), "/objects/0", "pattern_type", CodeInvalidObject},
		{"id of other type", bundleOf(edit(t, ind, `"id":"indicator--`, `"id":"malware--`)), "/objects/0/id", "must refer to indicator", CodeInvalidObject},
		{"bad uuid", bundleOf(edit(t, ind, `8e2e2d2b-17d4-4cbf`, `8e2e2d2b-17d4-0cbf`)), "/objects/0/id", "UUID", CodeInvalidObject},
		{"leap second", bundleOf(edit(t, ind, `"created":"2016-04-06T20:03:48.000Z"`, `"created":"2016-12-31T23:59:60.000Z"`)), "/objects/0/created", "leap", CodeInvalidObject},
		{"offset", bundleOf(edit(t, ind, `"valid_from":"2016-01-01T00:00:00Z"`, `"valid_from":"2016-01-01T00:00:00+01:00"`)), "/objects/0/valid_from", "", CodeInvalidObject},
		{"lower-case t", bundleOf(edit(t, ind, `"modified":"2016-04-06T20`, `"modified":"2016-04-06t20`)), "/objects/0/modified", "upper-case T", CodeInvalidObject},
		{"ten fraction digits", bundleOf(edit(t, ind, `"modified":"2016-04-06T20:03:48.000Z"`, `"modified":"2016-04-06T20:03:48.0000000000Z"`)), "/objects/0/modified", "9 fraction", CodeInvalidObject},
		{"modified before created", bundleOf(edit(t, ind, `"modified":"2016-04-06T20:03:48.000Z"`, `"modified":"2016-04-06T20:03:47.999Z"`)), "/objects/0/modified", "must not be before created", CodeInvalidObject},
		{"created without millis", bundleOf(edit(t, ind, `"created":"2016-04-06T20:03:48.000Z"`, `"created":"2016-04-06T20:03:48Z"`)), "/objects/0/created", "millisecond", CodeInvalidObject},
		{"valid_until before valid_from", bundleOf(edit(t, ind, `"valid_from"`, `"valid_until":"2015-01-01T00:00:00Z","valid_from"`)), "/objects/0/valid_until", "valid_from", CodeInvalidObject},
		{"wrong created_by_ref type", bundleOf(edit(t, ind, `"created_by_ref":"identity--`, `"created_by_ref":"malware--`)), "/objects/0/created_by_ref", "must refer to identity", CodeInvalidObject},
		{"marking ref type", bundleOf(edit(t, ind, `["marking-definition--34098fce`, `["identity--34098fce`)), "/objects/0/object_marking_refs/0", "marking-definition", CodeInvalidObject},
		{"confidence range", bundleOf(edit(t, ind, `"name"`, `"confidence":101,"name"`)), "/objects/0/confidence", "between 0 and 100", CodeInvalidObject},
		{"confidence float", bundleOf(edit(t, ind, `"name"`, `"confidence":50.5,"name"`)), "/objects/0/confidence", "integer", CodeInvalidObject},
		{"wrong json type", bundleOf(edit(t, ind, `"name":"Poison Ivy Malware"`, `"name":7`)), "/objects/0/name", "must be a string", CodeInvalidObject},
		{"empty list", bundleOf(edit(t, ind, `["malicious-activity"]`, `[]`)), "/objects/0/indicator_types", "empty", CodeInvalidObject},
		{"bad custom property", bundleOf(edit(t, ind, `"name"`, `"X-Bad":1,"name"`)), "/objects/0/X-Bad", "custom property names", CodeInvalidObject},
		{"reserved property", bundleOf(edit(t, ind, `"name"`, `"severity":"high","name"`)), "/objects/0/severity", "reserved", CodeInvalidObject},
		{"bad extension_type", bundleOf(edit(t, ind, `"name"`, `"extensions":{"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc":{"extension_type":"other"}},"name"`)), "/objects/0/extensions/extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc/extension_type", "not one of", CodeInvalidObject},
		{"invalid pattern", bundleOf(edit(t, ind, `"pattern":"[file:`, `"pattern":"[[file:`)), "/objects/0/pattern", "", CodeInvalidPattern},
		{"closed vocabulary", bundleOf(`{"type":"opinion","spec_version":"2.1","id":"opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","opinion":"maybe","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}`), "/objects/0/opinion", "not one of", CodeInvalidObject},
		{"relationship to marking", bundleOf(`{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"indicates","source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}`), "/objects/0/target_ref", "SDO or an SCO", CodeInvalidObject},
		{"sco without value", bundleOf(`{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"}`), "/objects/0", "value", CodeInvalidObject},
		{"bad hash", bundleOf(`{"type":"file","id":"file--ff26c055-6336-5bc5-b98d-13d6226742dd","hashes":{"MD5":"xyz"}}`), "/objects/0/hashes/MD5", "32 hexadecimal", CodeInvalidObject},
		{"file without hashes or name", bundleOf(`{"type":"file","id":"file--ff26c055-6336-5bc5-b98d-13d6226742dd","size":3}`), "/objects/0", "hashes, name", CodeInvalidObject},
		{"marking with modified", bundleOf(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41dd","created":"2016-08-01T00:00:00.000Z","modified":"2016-08-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"c"}}`), "/objects/0/modified", "not versioned", CodeInvalidObject},
		{"tlp id reused", bundleOf(edit(t, tlp1Red, `{"tlp":"red"}`, `{"tlp":"white"}`)), "/objects/0", "predefined TLP:RED", CodeInvalidObject},
		{"location without place", bundleOf(`{"type":"location","spec_version":"2.1","id":"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","latitude":48.8566}`), "/objects/0", "latitude and longitude", CodeInvalidObject},
		{"nul in value", bundleOf(edit(t, ind, `"Poison Ivy Malware"`, `"Poison\u0000Ivy"`)), "/objects/0/name", "U+0000", CodeInvalidObject},
		{"same version different content", bundleOf(ind, edit(t, ind, `"Poison Ivy Malware"`, `"Other"`)), "/objects/1", "different content", CodeInvalidObject},
		{"bad cve id", bundleOf(`{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","name":"CVE-2016-1234","external_references":[{"source_name":"cve","external_id":"CVE-2016-0123x"}]}`), "/objects/0/external_references/0/external_id", "not a valid CVE id", CodeInvalidObject},
		{"capec without id", bundleOf(edit(t, ind, `"name"`, `"external_references":[{"source_name":"capec","url":"https://capec.mitre.org/"}],"name"`)), "/objects/0/external_references/0", "needs external_id", CodeInvalidObject},
		{"escaped pointer", bundleOf(edit(t, ind, `"name"`, `"x/y~z":1,"name"`)), "/objects/0/x~1y~0z", "custom property names", CodeInvalidObject},
		{"nested bundle", bundleOf(`{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04983","objects":[]}`), "/objects/0/type", "cannot contain a bundle", CodeInvalidObject},
		{"ref to bundle", bundleOf(`{"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","content":"c","object_refs":["bundle--44af6c39-c09b-49c5-9de2-394224b04982"]}`), "/objects/0/object_refs/0", "must refer to", CodeInvalidObject},
		{"granular marking with both", bundleOf(`{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m","granular_markings":[{"lang":"en","marking_ref":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","selectors":["name"]}]}`), "/objects/0/granular_markings/0", "exactly one of marking_ref and lang", CodeInvalidObject},
		{"granular marking without selectors", bundleOf(`{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m","granular_markings":[{"lang":"en"}]}`), "/objects/0/granular_markings/0", "missing required property selectors", CodeInvalidObject},
		{"mime part with body and raw ref", bundleOf(`{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,"body_multipart":[{"body":"hi","body_raw_ref":"artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5"}]}`), "/objects/0/body_multipart/0", "body and body_raw_ref", CodeInvalidObject},
		{"multipart with body", bundleOf(`{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,"body":"x"}`), "/objects/0", "body must not be present", CodeInvalidObject},
		{"active traffic with end", bundleOf(`{"type":"network-traffic","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","src_ref":"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53","protocols":["tcp"],"is_active":true,"end":"2014-11-12T10:05:00Z"}`), "/objects/0", "is_active", CodeInvalidObject},
		{"traffic without endpoints", bundleOf(`{"type":"network-traffic","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","protocols":["tcp"]}`), "/objects/0", "src_ref or dst_ref", CodeInvalidObject},
		{"port range", bundleOf(`{"type":"network-traffic","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","dst_ref":"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53","protocols":["tcp"],"dst_port":65536}`), "/objects/0/dst_port", "between 0 and 65535", CodeInvalidObject},
		{"bad extension name", bundleOf(edit(t, ind, `"name"`, `"extensions":{"archive":{"a":"b"}},"name"`)), "/objects/0/extensions/archive", "extension keys", CodeInvalidObject},
		{"socket enum", bundleOf(`{"type":"network-traffic","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","dst_ref":"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53","protocols":["tcp"],"extensions":{"socket-ext":{"address_family":"AF_INET","socket_type":"SOCK_FOO"}}}`), "/objects/0/extensions/socket-ext/socket_type", "not one of", CodeInvalidObject},
		{"archive without refs", bundleOf(`{"type":"file","id":"file--fb0419a8-f09c-57f8-be64-71a80417591c","name":"a.zip","extensions":{"archive-ext":{"comment":"c"}}}`), "/objects/0/extensions/archive-ext", "missing required property contains_refs", CodeInvalidObject},
		{"pe section", bundleOf(`{"type":"file","id":"file--fb0419a8-f09c-57f8-be64-71a80417591c","name":"a.exe","extensions":{"windows-pebinary-ext":{"pe_type":"exe","sections":[{"size":3}]}}}`), "/objects/0/extensions/windows-pebinary-ext/sections/0", "missing required property name", CodeInvalidObject},
		{"empty extension", bundleOf(edit(t, ind, `"name"`, `"extensions":{"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc":{}},"name"`)), "/objects/0/extensions/extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc", "must not be empty", CodeInvalidObject},
		{"custom null", bundleOf(edit(t, ind, `"name"`, `"x_a":null,"name"`)), "/objects/0/x_a", "null", CodeInvalidObject},
		{"custom _hex", bundleOf(edit(t, ind, `"name"`, `"x_a_hex":"abc","name"`)), "/objects/0/x_a_hex", "hexadecimal", CodeInvalidObject},
		{"custom _bin", bundleOf(edit(t, ind, `"name"`, `"x_a_bin":"!!","name"`)), "/objects/0/x_a_bin", "base64", CodeInvalidObject},
		{"bad type name", bundleOf(`{"type":"X_Widget","id":"x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`), "/objects/0/type", "not a valid STIX type", CodeInvalidObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(tt.doc), Limits{})
			if err != nil {
				t.Fatalf("DecodeBundle: %v", err)
			}
			probs := validateBundle(b)
			for _, p := range probs {
				if p.Pointer == tt.pointer && strings.Contains(p.Message, tt.msg) && p.Code == tt.code {
					return
				}
			}
			t.Errorf("no problem at %q containing %q (code %s); got %v", tt.pointer, tt.msg, tt.code, probs)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	doc := bundleOf(
		edit(t, validIndicator, `"name":"Poison Ivy Malware"`, `"name":7,"confidence":-1`),
		`{"type":"ipv4-addr","id":"ipv4-addr--nope"}`,
	)
	b, err := DecodeBundle([]byte(doc), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/objects/0/name":       "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"/objects/0/confidence": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"/objects/1/id":         "ipv4-addr--nope",
		"/objects/1":            "ipv4-addr--nope", // missing value
	}
	probs := validateBundle(b)
	for _, p := range probs {
		if obj, ok := want[p.Pointer]; ok && obj == p.Object {
			delete(want, p.Pointer)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing problems %v; got %v", want, probs)
	}
}

func TestValidatorPointerPrefix(t *testing.T) {
	o, err := DecodeObject([]byte(edit(t, validIndicator, `"name":"Poison Ivy Malware"`, `"name":7`)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	probs := validateObject(o, "/objects/12")
	if len(probs) != 1 || probs[0].Pointer != "/objects/12/name" || probs[0].Object != o.ID {
		t.Fatalf("got %v", probs)
	}
	// An Object built by hand from raw bytes is validated from Raw.
	probs = validateObject(&Object{ID: o.ID, Raw: o.Raw}, "")
	if len(probs) != 1 || probs[0].Pointer != "/name" {
		t.Fatalf("hand-built object: got %v", probs)
	}
}

func TestValidateHandBuiltBundle(t *testing.T) {
	o, err := DecodeObject([]byte(edit(t, validIndicator, `"name":"Poison Ivy Malware"`, `"name":7`)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	probs := validateBundle(&Bundle{ID: "bundle--nope", Objects: []*Object{o}})
	var gotID, gotName bool
	for _, p := range probs {
		gotID = gotID || p.Pointer == "/id"
		gotName = gotName || (p.Pointer == "/objects/0/name" && p.Object == o.ID)
	}
	if !gotID || !gotName || len(probs) != 2 {
		t.Fatalf("got %v", probs)
	}
	if probs := validateBundle(nil); len(probs) != 1 {
		t.Fatalf("validateBundle(nil) = %v", probs)
	}
}

func TestTypeTablesConsistent(t *testing.T) {
	counts := map[category]int{}
	for typ, d := range typeDefs {
		c, ok := categoryOf(typ)
		if !ok || c != d.cat {
			t.Errorf("categoryOf(%q) = %v, %v; table says %v", typ, c, ok, d.cat)
		}
		counts[d.cat]++
		for _, r := range d.required {
			_, inProps := d.props[r]
			_, inCommon := d.common[r]
			if !inProps && !inCommon {
				t.Errorf("%s: required %q is not a property", typ, r)
			}
		}
	}
	want := map[category]int{catSDO: 19, catSRO: 2, catSCO: 18, catSMO: 3}
	for c, n := range want {
		if counts[c] != n {
			t.Errorf("category %v has %d types, want %d", c, counts[c], n)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	de := &DecodeError{Pointer: "/objects/2", Offset: 17, Msg: "duplicate member name \"id\""}
	if got, want := de.Error(), `stix: decode /objects/2 (offset 17): duplicate member name "id"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if de.Code() != "invalid_json" {
		t.Errorf("Code() = %q", de.Code())
	}
	big := &DecodeError{Offset: 0, Msg: "document larger than 8 bytes", TooLarge: true}
	if got := big.Error(); got != "stix: decode / (offset 0): document larger than 8 bytes" || big.Code() != "too_large" {
		t.Errorf("Error() = %q, Code() = %q", got, big.Code())
	}
	p := Problem{Object: "indicator--x", Pointer: "/objects/0/name", Message: "must be a string, not number"}
	if got := p.String(); got != "indicator--x /objects/0/name: must be a string, not number" {
		t.Errorf("String() = %q", got)
	}
	if got := (Problem{Message: "m"}).String(); got != "/: m" {
		t.Errorf("String() = %q", got)
	}
}

// validateBundle returns the problems Validate finds in b.
func validateBundle(b *Bundle) []Problem {
	_, probs := Validate(b)
	return probs
}

// validateObject checks one object as Validate checks each object of a
// bundle; pointer is the object's pointer and prefixes every Pointer.
func validateObject(o *Object, pointer string) []Problem {
	v := &validator{ptr: []byte(pointer), index: -1}
	v.object(o)
	return v.problems
}

// A number no double represents is valid JSON but has no JCS form: a
// problem at its pointer, wherever it is, and never a decode error.
func TestValidateUnrepresentableNumbers(t *testing.T) {
	obj := edit(t, validIndicator, `"name":"Poison Ivy Malware"`,
		`"name":"Poison Ivy Malware","x_acme_score":1e400,"x_acme_ok":[1e-400,1e308],"x_acme_deep":{"a/b":[0,-2E+999]}`)
	b, err := DecodeBundle([]byte(bundleOf(obj)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	probs := validateBundle(b)
	var ptrs []string
	for _, p := range probs {
		ptrs = append(ptrs, p.Pointer)
		if p.Code != CodeInvalidObject || p.Object != b.Objects[0].ID {
			t.Errorf("problem %v", p)
		}
	}
	if want := "/objects/0/x_acme_score /objects/0/x_acme_deep/a~1b/1"; strings.Join(ptrs, " ") != want {
		t.Fatalf("pointers %q, want %q: %v", ptrs, want, probs)
	}
}
