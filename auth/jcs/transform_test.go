package jcs

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestTransform(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"RFC 8785 3.2.2",
			`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
			  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
			  "literals": [null, true, false]}`,
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		{"RFC 8785 3.2.3 ordering",
			`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
			  "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
			  "\u00f6": "Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"nested sort", `{"b":{"z":1,"a":[{"y":2,"x":1}]},"a":0}`, `{"a":0,"b":{"a":[{"x":1,"y":2}],"z":1}}`},
		{"whitespace", " [ 1 , { } , [ ] , \"\" ] \n", `[1,{},[],""]`},
		{"escaped name sorts by value", `{"\u0062":1,"a":2}`, `{"a":2,"b":1}`},
		{"quote in name", `{"a":1,"\"":2}`, `{"\"":2,"a":1}`},
		{"control escapes", `"\u0001\u001f\b\t"`, `"\u0001\u001f\b\t"`},
		{"raw line separator stays raw", "\"\u2028\"", "\"\u2028\""},
		{"negative zero", `[-0, -0.0, 0e10]`, `[0,0,0]`},
		{"big integer", `[123456789012345678, 1e21, 1e20]`, `[123456789012345680,1e+21,100000000000000000000]`},
		{"fractions", `[0.1, -1.5e-7, 1e-6, 123.456e2]`, `[0.1,-1.5e-7,0.000001,12345.6]`},
		{"scalar", `"x"`, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Transform([]byte(tt.in))
			if err != nil {
				t.Fatalf("Transform: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("Transform\n got %s\nwant %s", got, tt.want)
			}
			// The canonical form is a fixed point.
			again, err := Transform(got)
			if err != nil || string(again) != tt.want {
				t.Fatalf("Transform(canonical) = %s, %v", again, err)
			}
		})
	}
}

func TestTransformInvalid(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ``},
		{"truncated", `{"a":`},
		{"trailing data", `{} {}`},
		{"trailing comma", `[1,]`},
		{"duplicate name", `{"a":1,"b":2,"a":3}`},
		{"duplicate via escape", `{"a":1,"\u0061":2}`},
		{"invalid utf-8", "\"\xff\""},
		{"lone high surrogate", `"\ud800"`},
		{"lone low surrogate", `"\udc00x"`},
		{"high then non-low", `"\ud800\u0041"`},
		{"raw control", "\"\x01\""},
		{"bad escape", `"\x"`},
		{"leading zero", `01`},
		{"bare minus", `-`},
		{"dot without digits", `1.`},
		{"overflow", `1e400`},
		{"single quotes", `'a'`},
		{"unquoted name", `{a:1}`},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Transform([]byte(tt.in))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Transform(%q) = %q, %v; want ErrInvalid", tt.in, got, err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
		})
	}
}

func TestTransformDepthLimitIsInclusive(t *testing.T) {
	in := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Transform([]byte(in)); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth, err)
	}
}

// TestAppendNumber checks the IEEE 754 vectors of RFC 8785 appendix B.
func TestAppendNumber(t *testing.T) {
	tests := []struct{ bits, want string }{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"},
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	}
	for _, tt := range tests {
		t.Run(tt.bits, func(t *testing.T) {
			b, err := hex.DecodeString(tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			f := math.Float64frombits(binary.BigEndian.Uint64(b))
			if got := string(AppendNumber(nil, f)); got != tt.want {
				t.Fatalf("AppendNumber(%v) = %s, want %s", f, got, tt.want)
			}
			// The serialisation read back as JSON is the same number.
			got, err := Transform([]byte(tt.want))
			if err != nil || string(got) != tt.want {
				t.Fatalf("Transform(%s) = %s, %v", tt.want, got, err)
			}
		})
	}
}

func TestCanonicalize(t *testing.T) {
	v := map[string]any{
		"b": []any{1.5, "x\n", nil, true, false, int64(7)},
		"a": map[string]any{"\u20ac": 1, "\U0001F600": 2, "\ufb33": 3},
		"n": json.Number("1E30"),
		"s": []string{"q\"", "\x01"},
	}
	got, err := Canonicalize(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"a\":{\"€\":1,\"😀\":2,\"\ufb33\":3},\"b\":[1.5,\"x\\n\",null,true,false,7],\"n\":1e+30,\"s\":[\"q\\\"\",\"\\u0001\"]}"
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), "\xff", struct{}{}, json.Number(`"1"`), json.Number("1e400"), json.Number("1 2")} {
		if _, err := Canonicalize(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Canonicalize(%#v) err = %v, want ErrInvalid", bad, err)
		}
	}
}
