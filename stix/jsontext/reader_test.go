package jsontext

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// tokens reads all of data, returning its tokens as "kind:text@start-end".
func tokens(data string, lim Limits) ([]string, error) {
	r := NewReader([]byte(data), lim)
	var out []string
	for {
		t, err := r.ReadToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		s := t.Kind.String()
		if t.Text != nil {
			s += ":" + string(t.Text)
		}
		if t.NUL {
			s += "+NUL"
		}
		out = append(out, s+"@"+strconv.Itoa(t.Start)+"-"+strconv.Itoa(t.End))
	}
}

func TestReadToken(t *testing.T) {
	got, err := tokens(` {"a" : [1, -2.5e+3, "x\ty", true, false, null], "\u00e9\u0000":{}} `, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"'{'@1-2", "name:a@2-5", "'['@8-9", "number:1@9-10", "number:-2.5e+3@12-19",
		"string:x\ty@21-27", "true@29-33", "false@35-40", "null@42-46", "']'@46-47",
		"name:é\x00+NUL@49-63", "'{'@64-65", "'}'@65-66", "'}'@66-67",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("tokens\n got %q\nwant %q", got, want)
	}
}

func TestTextAliasesInputUnlessEscaped(t *testing.T) {
	data := []byte(`["plain é","esc\n"]`)
	r := NewReader(data, Limits{})
	r.ReadToken()
	t1, _ := r.ReadToken()
	if t1.Escaped || &t1.Text[0] != &data[2] {
		t.Errorf("unescaped string does not alias the input: %+v", t1)
	}
	t2, _ := r.ReadToken()
	if !t2.Escaped || string(t2.Text) != "esc\n" {
		t.Errorf("escaped string: %+v", t2)
	}
}

func TestReaderRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		lim      Limits
		offset   int
		limit    bool
	}{
		{"empty", ``, Limits{}, 0, false},
		{"truncated object", `{"a":1`, Limits{}, 6, false},
		{"truncated array", `[1,`, Limits{}, 3, false},
		{"trailing data", `{} x`, Limits{}, 3, false},
		{"two values", `1 2`, Limits{}, 2, false},
		{"trailing comma array", `[1,]`, Limits{}, 3, false},
		{"trailing comma object", `{"a":1,}`, Limits{}, 7, false},
		{"missing comma", `[1 2]`, Limits{}, 3, false},
		{"missing colon", `{"a" 1}`, Limits{}, 5, false},
		{"unquoted name", `{a:1}`, Limits{}, 1, false},
		{"single quotes", `['a']`, Limits{}, 1, false},
		{"leading zero", `01`, Limits{}, 0, false},
		{"plus", `+1`, Limits{}, 0, false},
		{"bare minus", `-`, Limits{}, 1, false},
		{"bare fraction", `1.`, Limits{}, 2, false},
		{"bare exponent", `1e+`, Limits{}, 3, false},
		{"NaN", `NaN`, Limits{}, 0, false},
		{"bad literal", `tru`, Limits{}, 0, false},
		{"raw control", "\"a\x01\"", Limits{}, 2, false},
		{"invalid UTF-8", "\"a\xff\"", Limits{}, 2, false},
		{"encoded surrogate", "\"\xed\xa0\x80\"", Limits{}, 1, false},
		{"overlong", "\"\xc0\xaf\"", Limits{}, 1, false},
		{"lone high surrogate", `"\ud800"`, Limits{}, 1, false},
		{"lone low surrogate", `"\udc00"`, Limits{}, 1, false},
		{"high then non-low", `"\ud800\u0041"`, Limits{}, 1, false},
		{"bad escape", `"\x"`, Limits{}, 1, false},
		{"short unicode escape", `"\u00"`, Limits{}, 1, false},
		{"unterminated string", `"abc`, Limits{}, 4, false},
		{"comment", `[1 /* c */]`, Limits{}, 3, false},
		{"too deep", `[[[1]]]`, Limits{MaxDepth: 2}, 2, true},
		{"deeper than MaxDepth", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), Limits{MaxDepth: 1000}, MaxDepth, true},
		{"string too long", `"abcd"`, Limits{MaxString: 3}, 0, true},
		{"escaped string too long", `"\n\n"`, Limits{MaxString: 3}, 0, true},
		{"number too long", `12345`, Limits{MaxString: 3}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokens(tt.in, tt.lim)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("tokens(%q) = %q, %v; want *Error", tt.in, got, err)
			}
			if e.Offset != tt.offset || e.Limit != tt.limit {
				t.Fatalf("error %v: offset %d limit %v, want %d %v", e, e.Offset, e.Limit, tt.offset, tt.limit)
			}
		})
	}
}

func TestLimitsAreInclusive(t *testing.T) {
	for _, in := range []string{`"abc"`, `"\nx"`, `123`, `[[1]]`} {
		if _, err := tokens(in, Limits{MaxString: 3, MaxDepth: 2}); err != nil {
			t.Errorf("%s refused: %v", in, err)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := tokens(deep, Limits{}); err != nil {
		t.Errorf("depth %d refused: %v", MaxDepth, err)
	}
}

func TestMoreAndSkipValue(t *testing.T) {
	data := []byte(`{"a":[1,{"b":"}"}],"c":"d","e":{}}`)
	r := NewReader(data, Limits{})
	if tk, _ := r.ReadToken(); tk.Kind != BeginObject {
		t.Fatalf("first token %v", tk.Kind)
	}
	var got []string
	for {
		more, err := r.More()
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		name, err := r.ReadToken()
		if err != nil || name.Kind != Name {
			t.Fatalf("name: %+v %v", name, err)
		}
		got = append(got, string(name.Text)) // before the next read reuses the token
		if _, _, err := r.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != "a,c,e" || r.Depth() != 0 || r.Finish() != nil {
		t.Fatalf("names %v depth %d finish %v", got, r.Depth(), r.Finish())
	}

	r = NewReader(data, Limits{})
	start, end, err := r.SkipValue()
	if err != nil || start != 0 || end != len(data) {
		t.Fatalf("SkipValue = %d, %d, %v", start, end, err)
	}
	r = NewReader([]byte(`{"a":1}`), Limits{})
	r.ReadToken()
	r.More()
	if _, _, err := r.SkipValue(); err == nil {
		t.Fatal("SkipValue where a name is due succeeded")
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		lit  string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"-0.0", 0, true},
		{"1e308", 1e308, true},
		{"1.7976931348623157e308", math.MaxFloat64, true},
		{"1.7976931348623159e308", 0, false}, // rounds up past the largest double
		{"1e309", 0, false},
		{"1e400", 0, false},
		{"-1E+400", 0, false},
		{"1e-400", 0, true}, // underflow is representable
		{"1" + strings.Repeat("0", 308), 1e308, true},
		{"1" + strings.Repeat("0", 309), 0, false},
		{"0." + strings.Repeat("0", 400) + "1", 0, true},
	}
	for _, tt := range tests {
		f, ok := Float([]byte(tt.lit))
		if ok != tt.ok || (ok && f != tt.want) {
			t.Errorf("Float(%.20s) = %v, %v; want %v, %v", tt.lit, f, ok, tt.want, tt.ok)
		}
		if Representable([]byte(tt.lit)) != tt.ok {
			t.Errorf("Representable(%.20s) = %v, want %v", tt.lit, !tt.ok, tt.ok)
		}
	}
}

// TestSpecial checks the eight-byte test against the byte table for every
// byte value in every position.
func TestSpecial(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			var w [8]byte
			for i := range w {
				w[i] = 'a'
			}
			w[pos] = byte(c)
			word := uint64(0)
			for i := 7; i >= 0; i-- {
				word = word<<8 | uint64(w[i])
			}
			if special(word) == plain[c] {
				t.Fatalf("special(%q) = %v, plain[%#x] = %v", w, special(word), c, plain[c])
			}
		}
	}
}
