package stix

import "testing"

// Validate keeps the pattern parse it needs anyway, so indexing does not
// parse a second time; ParsedPattern parses on demand otherwise.
func TestParsedPattern(t *testing.T) {
	const doc = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00.000Z"},` +
		`{"type":"indicator","spec_version":"2.1","id":"indicator--9e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
		`"pattern":"alert tcp any any","pattern_type":"snort","valid_from":"2024-01-01T00:00:00.000Z"}]}`
	b, err := DecodeBundle([]byte(doc), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	stixInd, snort := b.Objects[0], b.Objects[1]
	if stixInd.parsed != nil {
		t.Fatal("parsed before validation")
	}
	if ps := Validate(b); len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	if stixInd.parsed == nil {
		t.Fatal("Validate did not keep the parse")
	}
	p, ok := stixInd.ParsedPattern()
	if !ok || p != stixInd.parsed || len(p.Observables()) != 1 {
		t.Fatalf("ParsedPattern = %v, %v", p, ok)
	}
	if _, ok := snort.ParsedPattern(); ok {
		t.Fatal("a snort pattern parsed as STIX")
	}

	// Not validated: parsed on demand.
	o, err := DecodeObject([]byte(`{"type":"indicator","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix"}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := o.ParsedPattern(); !ok || p.Observables()[0].Value != "a.example" {
		t.Fatalf("on demand: %v, %v", p, ok)
	}
}
