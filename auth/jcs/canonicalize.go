package jcs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Canonicalize returns the canonical form of a tree of map[string]any,
// []any, string, json.Number, float64, int, int64, bool and nil (what
// encoding/json produces, with or without UseNumber). Other types, invalid
// UTF-8 in strings and non-finite numbers are refused with ErrInvalid.
func Canonicalize(v any) ([]byte, error) {
	return appendValue(nil, v, 0)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nesting too deep", ErrInvalid)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return appendString(dst, x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: non-finite number", ErrInvalid)
		}
		return AppendNumber(dst, x), nil
	case int:
		return AppendNumber(dst, float64(x)), nil
	case int64:
		return AppendNumber(dst, float64(x)), nil
	case json.Number:
		return appendJSONNumber(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		slices.SortFunc(names, func(a, b string) int {
			return compareUTF16([]byte(a), []byte(b))
		})
		dst = append(dst, '{')
		for i, k := range names {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendString(dst, k); err != nil {
				return nil, err
			}
			dst = append(dst, ':')
			if dst, err = appendValue(dst, x[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	default:
		return nil, fmt.Errorf("%w: unsupported type %T", ErrInvalid, v)
	}
}

func appendString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: invalid UTF-8 in string", ErrInvalid)
	}
	dst = append(dst, '"')
	for len(s) > 0 {
		i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' })
		if i < 0 {
			dst = append(dst, s...)
			break
		}
		dst = append(dst, s[:i]...)
		dst = appendStringRune(dst, rune(s[i]))
		s = s[i+1:]
	}
	return append(dst, '"'), nil
}

// appendJSONNumber appends the canonical form of a json.Number, which must
// hold exactly one JSON number.
func appendJSONNumber(dst []byte, n json.Number) ([]byte, error) {
	if n == "" || (n[0] != '-' && (n[0] < '0' || n[0] > '9')) {
		return nil, fmt.Errorf("%w: json.Number %q is not a number", ErrInvalid, string(n))
	}
	return AppendTransform(dst, []byte(n))
}
