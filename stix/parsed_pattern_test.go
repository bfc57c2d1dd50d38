package stix

import (
	"bytes"
	"testing"
)

// Validate returns the pattern parses it needs anyway, so indexing does not
// parse a second time, and leaves the bundle as it was.
func TestValidateReturnsPatterns(t *testing.T) {
	const doc = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00.000Z"},` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
		`"pattern":"alert tcp any any","pattern_type":"snort","valid_from":"2024-01-01T00:00:00.000Z"},` +
		`{"type":"identity","spec_version":"2.1","id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"ACME"}]}`
	data := []byte(doc)
	b, err := DecodeBundle(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	before := *b.Objects[0]
	patterns, probs := Validate(b)
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if len(patterns) != len(b.Objects) {
		t.Fatalf("got %d patterns for %d objects", len(patterns), len(b.Objects))
	}
	if p := patterns[0]; p == nil || len(p.Observables()) != 1 || p.Observables()[0].Value != "198.51.100.1" {
		t.Fatalf("patterns[0] = %v", p)
	}
	if patterns[1] != nil || patterns[2] != nil {
		t.Fatalf("a snort pattern or an identity has a STIX parse: %v %v", patterns[1], patterns[2])
	}
	after := *b.Objects[0]
	if before.tree != after.tree || before.Pattern != after.Pattern || !bytes.Equal(before.Raw, after.Raw) || string(data) != doc {
		t.Fatal("Validate modified its argument")
	}

	// A pattern that does not parse has no entry, and a problem.
	bad, err := DecodeBundle(bytes.Replace(data, []byte(`= '198.51.100.1']`), []byte(`= ]`), 1), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	patterns, probs = Validate(bad)
	if patterns[0] != nil || len(probs) != 1 || probs[0].Code != CodeInvalidPattern || probs[0].Pointer != "/objects/0/pattern" {
		t.Fatalf("bad pattern: %v, %v", patterns[0], probs)
	}
}
