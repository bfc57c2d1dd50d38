package pattern

import (
	"reflect"
	"testing"
	"time"
)

// TestASTShape checks the tree, positions and decoded values for one
// pattern that uses every node type.
func TestASTShape(t *testing.T) {
	src := "([file:hashes.'SHA-256' = 'ab' OR NOT EXISTS file:name]\n" +
		"  AND [network-traffic:protocols[*] IN (6, -1.5, 7000000)]) WITHIN 5 SECONDS"
	p, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := p.Root.(*QualifiedExpr)
	if !ok {
		t.Fatalf("root is %T, want *QualifiedExpr", p.Root)
	}
	w, ok := q.Qualifier.(*Within)
	if !ok || w.Seconds.Kind != KindInt || w.Seconds.Int != 5 {
		t.Fatalf("qualifier = %#v, want WITHIN 5", q.Qualifier)
	}
	if want := (Pos{Offset: 116, Line: 2, Column: 61}); w.Pos() != want {
		t.Errorf("WITHIN at %+v, want %+v", w.Pos(), want)
	}
	and, ok := q.X.(*BinaryExpr)
	if !ok || and.Op != And {
		t.Fatalf("qualified expression is %#v, want AND", q.X)
	}
	if want := (Pos{Offset: 1, Line: 1, Column: 2}); and.Pos() != want {
		t.Errorf("AND at %+v, want %+v", and.Pos(), want)
	}
	left := and.X.(*ObservationExpr)
	or := left.Cond.(*BinaryComparison)
	if or.Op != Or {
		t.Errorf("left comparison op = %v, want OR", or.Op)
	}
	eq := or.X.(*PropTest)
	wantPath := &ObjectPath{
		Position:   Pos{Offset: 2, Line: 1, Column: 3},
		ObjectType: "file",
		Steps: []PathStep{
			{Position: Pos{Offset: 7, Line: 1, Column: 8}, Kind: StepKey, Key: "hashes"},
			{Position: Pos{Offset: 14, Line: 1, Column: 15}, Kind: StepKey, Key: "SHA-256", Quoted: true},
		},
	}
	if !reflect.DeepEqual(eq.Path, wantPath) {
		t.Errorf("path = %+v, want %+v", eq.Path, wantPath)
	}
	if eq.Op != OpEqual || eq.Not || eq.Value.Kind != KindString || eq.Value.Str != "ab" {
		t.Errorf("comparison = %+v", eq)
	}
	ex := or.Y.(*ExistsTest)
	if !ex.Not || ex.Path.String() != "file:name" || ex.Pos() != (Pos{Offset: 34, Line: 1, Column: 35}) {
		t.Errorf("exists = %+v", ex)
	}
	right := and.Y.(*ObservationExpr)
	if want := (Pos{Offset: 62, Line: 2, Column: 7}); right.Pos() != want {
		t.Errorf("right observation at %+v, want %+v", right.Pos(), want)
	}
	in := right.Cond.(*PropTest)
	if in.Op != OpIn || in.Value != nil || len(in.Set) != 3 {
		t.Fatalf("IN test = %+v", in)
	}
	if s := in.Path.Steps[1]; s.Kind != StepAny {
		t.Errorf("step = %+v, want StepAny", s)
	}
	if in.Set[0].Int != 6 || in.Set[1].Float != -1.5 || in.Set[2].Int != 7000000 {
		t.Errorf("set = %+v %+v %+v", in.Set[0], in.Set[1], in.Set[2])
	}
}

// TestLiteralValues checks the decoded value of every literal kind.
func TestLiteralValues(t *testing.T) {
	tests := []struct {
		in   string
		want Literal
	}{
		{"0", Literal{Kind: KindInt, Int: 0}},
		{"+42", Literal{Kind: KindInt, Int: 42}},
		{"-9223372036854775808", Literal{Kind: KindInt, Int: -9223372036854775808}},
		{"3.25", Literal{Kind: KindFloat, Float: 3.25}},
		{"-.5", Literal{Kind: KindFloat, Float: -0.5}},
		{`'it\'s a \\ test'`, Literal{Kind: KindString, Str: `it's a \ test`}},
		{"''", Literal{Kind: KindString, Str: ""}},
		{"true", Literal{Kind: KindBool, Bool: true}},
		{"false", Literal{Kind: KindBool, Bool: false}},
		{"b'aGVsbG8='", Literal{Kind: KindBinary, Bytes: []byte("hello")}},
		{"h'00fF'", Literal{Kind: KindHex, Bytes: []byte{0x00, 0xff}}},
		{"h''", Literal{Kind: KindHex, Bytes: []byte{}}},
		{"t'2014-01-13T07:03:17.5Z'", Literal{Kind: KindTimestamp, Time: time.Date(2014, 1, 13, 7, 3, 17, 5e8, time.UTC)}},
		{"t'2016-12-31T23:59:60Z'", Literal{Kind: KindTimestamp, Time: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse("[x-test:v = " + tt.in + "]")
			if err != nil {
				t.Fatal(err)
			}
			got := *p.Root.(*ObservationExpr).Cond.(*PropTest).Value
			want := tt.want
			want.Raw = tt.in
			want.Position = Pos{Offset: 12, Line: 1, Column: 13}
			if !got.Time.Equal(want.Time) {
				t.Errorf("Time = %v, want %v", got.Time, want.Time)
			}
			got.Time, want.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("literal = %+v, want %+v", got, want)
			}
		})
	}
}

// TestStringers checks the names of the enumerations, including values
// outside them.
func TestStringers(t *testing.T) {
	tests := []struct{ got, want string }{
		{And.String(), "AND"},
		{Or.String(), "OR"},
		{FollowedBy.String(), "FOLLOWEDBY"},
		{Combinator(9).String(), "Combinator(9)"},
		{OpIsSuperset.String(), "ISSUPERSET"},
		{OpLessEqual.String(), "<="},
		{Operator(0).String(), "Operator(0)"},
		{KindTimestamp.String(), "timestamp"},
		{LiteralKind(0).String(), "LiteralKind(0)"},
		{(&Error{Line: 2, Column: 7, Msg: "boom"}).Error(), "line 2, column 7: boom"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
