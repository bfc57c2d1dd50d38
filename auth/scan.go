package auth

import (
	"fmt"

	"github.com/jag-hub/jag/stix/jsontext"
)

// The helpers below find members in JSON that package jcs has already
// canonicalised (so well-formed and free of duplicate names) without
// decoding the whole object. They read it with stix/jsontext, the reader
// jcs and the STIX decoder use, and take every offset from it. Names match
// exactly: encoding/json would match them case-insensitively, which a
// signature check must never do.

// span locates one member of a document: doc[start:end] is the member from
// its name's opening quote to the end of its value, doc[valStart:end] the
// value.
type span struct {
	start, valStart, end int
}

// locate finds the member at path, member names from the top-level object
// down (each but the last naming an object), in the JSON document doc.
func locate(doc []byte, path ...string) (span, bool) {
	r := jsontext.NewReader(doc, jsontext.Limits{})
	var m span
	for _, name := range path {
		if t, err := r.ReadToken(); err != nil || t.Kind != jsontext.BeginObject {
			return span{}, false
		}
		for {
			more, err := r.More()
			if err != nil || !more {
				return span{}, false
			}
			t, err := r.ReadToken()
			if err != nil {
				return span{}, false
			}
			if string(t.Text) == name {
				m.start = t.Start
				break
			}
			if _, _, err := r.SkipValue(); err != nil {
				return span{}, false
			}
		}
	}
	var err error
	if m.valStart, m.end, err = r.SkipValue(); err != nil {
		return span{}, false
	}
	return m, true
}

// member returns the raw value of the member name of the canonical object
// obj, and whether it is present.
func member(obj []byte, name string) ([]byte, bool) {
	m, ok := locate(obj, name)
	if !ok {
		return nil, false
	}
	return obj[m.valStart:m.end:m.end], true
}

// memberNames returns the decoded member names of the canonical object
// obj, nil when obj is not an object.
func memberNames(obj []byte) []string {
	r := jsontext.NewReader(obj, jsontext.Limits{})
	if t, err := r.ReadToken(); err != nil || t.Kind != jsontext.BeginObject {
		return nil
	}
	var names []string
	for {
		more, err := r.More()
		if err != nil || !more {
			return names
		}
		t, err := r.ReadToken()
		if err != nil {
			return names
		}
		names = append(names, string(t.Text))
		if _, _, err := r.SkipValue(); err != nil {
			return names
		}
	}
}

// stringValue decodes raw, which must be exactly one JSON string.
func stringValue(raw []byte) (string, bool) {
	r := jsontext.NewReader(raw, jsontext.Limits{})
	t, err := r.ReadToken()
	if err != nil || t.Kind != jsontext.String || r.Finish() != nil {
		return "", false
	}
	return string(t.Text), true
}

// stringMember returns the string value of the member name, "" and false
// when absent, and an error when present but not a string.
func stringMember(obj []byte, name string) (string, bool, error) {
	raw, ok := member(obj, name)
	if !ok {
		return "", false, nil
	}
	s, ok := stringValue(raw)
	if !ok {
		return "", true, fmt.Errorf("member %q is not a string", name)
	}
	return s, true, nil
}

// stringArray decodes raw, which must be exactly one JSON array of
// strings (possibly empty: the result is then non-nil and empty).
func stringArray(raw []byte) ([]string, bool) {
	r := jsontext.NewReader(raw, jsontext.Limits{})
	if t, err := r.ReadToken(); err != nil || t.Kind != jsontext.BeginArray {
		return nil, false
	}
	out := []string{}
	for {
		more, err := r.More()
		if err != nil {
			return nil, false
		}
		if !more {
			break
		}
		t, err := r.ReadToken()
		if err != nil || t.Kind != jsontext.String {
			return nil, false
		}
		out = append(out, string(t.Text))
	}
	if r.Finish() != nil {
		return nil, false
	}
	return out, true
}

// without returns the canonical document doc without the member m, and
// without the comma that separated it from a neighbour. Removing one
// member from a canonical object leaves the canonical form of the rest, so
// no second canonicalisation is needed.
func without(doc []byte, m span) []byte {
	start, end := m.start, m.end
	switch {
	case doc[start-1] == ',':
		start--
	case doc[end] == ',':
		end++
	}
	out := make([]byte, 0, len(doc)-(end-start))
	out = append(out, doc[:start]...)
	return append(out, doc[end:]...)
}
