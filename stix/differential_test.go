// The race detector multiplies this single-goroutine test's cost by ten
// (25 s instead of 2.5 s) and can find nothing in it, so the -race run of
// `make test` leaves it out and `make test` runs it once more without
// -race (see the Makefile).

//go:build !race

package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The differential test runs the OASIS STIX 2.1 JSON schemas and Validate
// over the OASIS examples and systematic mutations of every object in them,
// and requires both to agree, except where the specification is stricter
// than the schemas. Those cases, where Validate rejects and the schemas
// accept, are listed in specStricter, each with its reason; the test fails
// on any other disagreement, and also on a listed case that no longer
// occurs, so the list stays exact.

const schemaRoot = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

// loadSchemas compiles one schema per predefined object type.
func loadSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join("testdata", "oasis", "schemas")
	c := jsonschema.NewCompiler()
	byType := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		url := schemaRoot + filepath.ToSlash(rel)
		if err := c.AddResource(url, doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if _, ok := categoryOf(name); ok {
			byType[name] = url
		}
		return nil
	})
	if err != nil {
		t.Fatalf("load schemas: %v", err)
	}
	out := map[string]*jsonschema.Schema{}
	for typ, url := range byType {
		s, err := c.Compile(url)
		if err != nil {
			t.Fatalf("compile %s: %v", url, err)
		}
		out[typ] = s
	}
	if len(out) < 35 {
		t.Fatalf("only %d object schemas", len(out))
	}
	return out
}

// mutation derives a variant of one object (as a generic JSON map).
type mutation struct {
	name  string
	apply func(obj map[string]any) bool // false: not applicable
}

func mutations(obj map[string]any) []mutation {
	var ms []mutation
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ms = append(ms,
			mutation{"drop " + k, func(o map[string]any) bool { delete(o, k); return true }},
			mutation{"number " + k, func(o map[string]any) bool { o[k] = json.Number("12345"); return true }},
			mutation{"object " + k, func(o map[string]any) bool { o[k] = map[string]any{"x_a": "b"}; return true }},
			mutation{"empty list " + k, func(o map[string]any) bool { o[k] = []any{}; return true }},
		)
		switch v := obj[k].(type) {
		case []any:
			// Drop each member of the first element of a list of objects
			// (external_references, kill_chain_phases, granular_markings…).
			if first, ok := v[0].(map[string]any); ok {
				for sub := range first {
					ms = append(ms, mutation{"drop " + k + "/0/" + sub, func(o map[string]any) bool {
						delete(o[k].([]any)[0].(map[string]any), sub)
						return true
					}})
				}
			}
		case string:
			if _, err := ParseTimestamp(v); err == nil {
				for _, bad := range []string{"2016-05-12T08:17:27Z", "2016-12-31T23:59:60.000Z", "2016-05-12T08:17:27.000+01:00", "2016-05-12t08:17:27.000Z", "2016-02-30T08:17:27.000Z", "2016-05-12T08:17:27.0000000000Z"} {
					ms = append(ms, mutation{"timestamp " + k + " " + bad, func(o map[string]any) bool { o[k] = bad; return true }})
				}
			}
			if _, _, err := ParseIdentifier(v); err == nil {
				typ := strings.SplitN(v, "--", 2)[0]
				for _, bad := range []string{typ + "--not-a-uuid", typ + "--" + strings.Repeat("0", 8) + "-0000-0000-0000-000000000000", "Identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"} {
					ms = append(ms, mutation{"identifier " + k + " " + bad, func(o map[string]any) bool { o[k] = bad; return true }})
				}
				ms = append(ms, mutation{"ref type " + k, func(o map[string]any) bool {
					o[k] = "x-other--f431f809-377b-45e0-aa1c-6a4751cae5ff"
					return true
				}})
			}
		}
	}
	ms = append(ms,
		mutation{"spec_version 2.0", func(o map[string]any) bool { o["spec_version"] = "2.0"; return true }},
		mutation{"custom property", func(o map[string]any) bool { o["x_acme"] = "v"; return true }},
		mutation{"bad custom property", func(o map[string]any) bool { o["Bad-Name"] = "v"; return true }},
		mutation{"reserved property", func(o map[string]any) bool { o["severity"] = "high"; return true }},
		mutation{"confidence 101", func(o map[string]any) bool { o["confidence"] = json.Number("101"); return true }},
		mutation{"-ext extension", func(o map[string]any) bool {
			o["extensions"] = map[string]any{"x-acme-ext": map[string]any{"x_a": "b"}}
			return true
		}},
		mutation{"extension-definition extension", func(o map[string]any) bool {
			o["extensions"] = map[string]any{"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc": map[string]any{"extension_type": "property-extension", "signature": "x"}}
			return true
		}},
		mutation{"bad extension key", func(o map[string]any) bool {
			o["extensions"] = map[string]any{"acme": map[string]any{"x_a": "b"}}
			return true
		}},
		mutation{"bad extension_type", func(o map[string]any) bool {
			o["extensions"] = map[string]any{"extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc": map[string]any{"extension_type": "other"}}
			return true
		}},
	)
	return ms
}

// specStricter lists the cases where Validate rejects and the schemas
// accept, because the specification (or JAG's documented policy) is
// stricter than the schemas. Each rule must match at least once, so the
// list never documents a difference that does not exist.
var specStricter = []stricterRule{
	{"leap seconds: the schemas' timestamp pattern accepts second 60; STIX timestamps forbid it",
		func(_, m string, _ []Problem) bool {
			return strings.HasPrefix(m, "timestamp ") && strings.Contains(m, ":60")
		}},
	{"calendar: the schemas' timestamp pattern accepts impossible dates such as February 30",
		func(_, m string, _ []Problem) bool {
			return strings.HasPrefix(m, "timestamp ") && strings.Contains(m, "02-30")
		}},
	{"precision: the schemas accept any number of fraction digits; STIX timestamps have at most 9 (nanoseconds)",
		func(_, m string, _ []Problem) bool {
			return strings.HasPrefix(m, "timestamp ") && strings.HasSuffix(m, "0000000000Z")
		}},
	{"reference types: the schemas check identifier syntax only; the spec fixes the target type of each *_ref",
		func(_, m string, p []Problem) bool {
			return strings.HasPrefix(m, "ref type ") && anyMessage(p, "must refer to")
		}},
	{"STIX 2.0: the schemas' spec_version enum still lists 2.0; JAG accepts STIX 2.1 only (API.md)",
		func(_, m string, p []Problem) bool {
			return m == "spec_version 2.0" && anyMessage(p, "STIX 2.0 is not supported")
		}},
	{"SCO references: several SCO schemas type *_ref properties as plain strings; the spec requires identifiers",
		func(_, m string, p []Problem) bool {
			return strings.HasPrefix(m, "identifier ") && anyMessage(p, "invalid identifier")
		}},
	{"custom properties on marking-definition: its schema omits the property-name rules the spec applies to every object",
		func(typ, m string, _ []Problem) bool {
			return typ == "marking-definition" && (m == "bad custom property" || m == "reserved property")
		}},
	{"timestamp order: the spec requires e.g. last_seen >= first_seen and modified >= created; JSON Schema cannot compare properties",
		func(_, m string, p []Problem) bool {
			return strings.HasPrefix(m, "timestamp ") && (anyMessage(p, "must not be before") || anyMessage(p, "must be after"))
		}},
	{"marking-definition created: the spec's millisecond precision for created is only in the SDO/SRO core schema",
		func(typ, m string, p []Problem) bool {
			return typ == "marking-definition" && strings.HasPrefix(m, "timestamp created") && anyMessage(p, "millisecond")
		}},
	{"incident: its schema predates the 2.1 kill_chain_phases property and leaves it unchecked",
		func(typ, m string, p []Problem) bool {
			return typ == "incident" && strings.Contains(m, " kill_chain_phases") &&
				(anyMessage(p, "must be an array") || anyMessage(p, "missing required property"))
		}},
}

// stricterRule is one documented reason for Validate to reject what the
// schemas accept.
type stricterRule struct {
	reason string
	match  func(typ, mutation string, probs []Problem) bool
}

func anyMessage(probs []Problem, sub string) bool {
	for _, p := range probs {
		if strings.Contains(p.Message, sub) {
			return true
		}
	}
	return false
}

func TestDifferentialSchemas(t *testing.T) {
	schemas := loadSchemas(t)
	dir := filepath.Join("testdata", "oasis", "examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	files = append(files, more...)
	// Valid objects of the types the OASIS examples lack (mostly taken from
	// the specification's own examples), so every type is mutated.
	files = append(files, filepath.Join("testdata", "seeds.json"))
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	var objects []map[string]any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if doc["type"] == "bundle" {
			for _, o := range doc["objects"].([]any) {
				objects = append(objects, o.(map[string]any))
			}
		} else {
			objects = append(objects, doc)
		}
	}

	var agreed int
	matched := make([]int, len(specStricter))
	for i, obj := range objects {
		typ, _ := obj["type"].(string)
		sch := schemas[typ]
		if sch == nil {
			continue
		}
		cases := append([]mutation{{"original", func(map[string]any) bool { return true }}}, mutations(obj)...)
		for _, m := range cases {
			o := deepCopy(obj).(map[string]any)
			if !m.apply(o) {
				continue
			}
			raw, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			schemaOK := sch.Validate(inst) == nil
			dobj, err := DecodeObject(raw, Limits{})
			if err != nil {
				t.Fatalf("object %d %s: DecodeObject: %v", i, m.name, err)
			}
			probs := validateObject(dobj, "")
			ours := len(probs) == 0
			switch {
			case ours == schemaOK:
				agreed++
			case !ours && schemaOK:
				rule := slices.IndexFunc(specStricter, func(r stricterRule) bool { return r.match(typ, m.name, probs) })
				if rule < 0 {
					t.Errorf("%s %s (%s): we reject, schema accepts: %v", typ, obj["id"], m.name, probs)
					continue
				}
				matched[rule]++
			default:
				t.Errorf("%s %s (%s): we accept, schema rejects: %v", typ, obj["id"], m.name, sch.Validate(inst))
			}
		}
	}
	if agreed < 1000 {
		t.Errorf("only %d agreeing cases; the mutation corpus shrank", agreed)
	}
	t.Logf("%d cases agree", agreed)
	for i, r := range specStricter {
		if matched[i] == 0 {
			t.Errorf("documented difference never occurred: %s", r.reason)
		}
		t.Logf("%5d stricter than the schemas: %s", matched[i], r.reason)
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}
