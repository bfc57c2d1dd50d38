package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The helpers below read members out of JSON that package jcs has already
// canonicalised: well-formed, no whitespace, names written in their unique
// canonical form. That makes exact, allocation-free lookups possible
// without decoding the whole object (encoding/json would also match names
// case-insensitively, which a signature check must never do).

// member returns the raw value of the member name of the canonical object
// obj, and whether it is present. name must need no escaping.
func member(obj []byte, name string) ([]byte, bool) {
	if len(obj) < 2 || obj[0] != '{' {
		return nil, false
	}
	i := 1
	for i < len(obj) && obj[i] == '"' {
		nameEnd := skipString(obj, i)
		valStart := nameEnd + 1 // past ':'
		valEnd := skipValue(obj, valStart)
		if string(obj[i+1:nameEnd-1]) == name {
			return obj[valStart:valEnd], true
		}
		i = valEnd + 1 // past ',' or '}'
	}
	return nil, false
}

// memberNames returns the names of the canonical object obj (undecoded).
func memberNames(obj []byte) []string {
	var names []string
	if len(obj) < 2 || obj[0] != '{' {
		return nil
	}
	i := 1
	for i < len(obj) && obj[i] == '"' {
		nameEnd := skipString(obj, i)
		names = append(names, string(obj[i+1:nameEnd-1]))
		i = skipValue(obj, nameEnd+1) + 1
	}
	return names
}

// skipString returns the index just past the string starting at s[i].
func skipString(s []byte, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// skipValue returns the index just past the value starting at s[i].
func skipValue(s []byte, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = skipString(s, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		if depth == 0 && (s[i] == '}' || s[i] == ']' || s[i] == '"') {
			return i + 1
		}
	}
	return len(s)
}

// stringMember returns the string value of the member name, "" and false
// when absent, and an error when present but not a string.
func stringMember(obj []byte, name string) (string, bool, error) {
	raw, ok := member(obj, name)
	if !ok {
		return "", false, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("member %q is not a string", name)
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true, nil // canonical: no escapes, nothing to decode
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("member %q: %w", name, err)
	}
	return s, true, nil
}

// withoutMember returns the canonical object obj without the member whose
// value is the sub-slice val of obj (as returned by member), comma
// included. Removing one member from a canonical object leaves the
// canonical form of the rest, so no second canonicalisation is needed.
func withoutMember(obj, val []byte, name string) []byte {
	end := cap(obj) - cap(val) + len(val)        // just past the value
	start := cap(obj) - cap(val) - len(name) - 3 // the opening quote of the name
	switch {
	case obj[start-1] == ',':
		start--
	case obj[end] == ',':
		end++
	}
	out := make([]byte, 0, len(obj)-(end-start))
	out = append(out, obj[:start]...)
	return append(out, obj[end:]...)
}
