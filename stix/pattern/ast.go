package pattern

import (
	"strconv"
	"strings"
	"time"
)

// Pos is a position in the pattern source. Offset is a 0-based byte
// offset; Line and Column are 1-based, and Column counts runes.
type Pos struct {
	Offset, Line, Column int
}

// Pattern is a parsed, validated STIX pattern.
type Pattern struct {
	// Root is the top-level observation expression.
	Root Expr
	// Source is the pattern text that was parsed.
	Source string
}

// String renders the pattern canonically: single spaces between tokens,
// parentheses only where precedence requires them.
func (p *Pattern) String() string { return p.Root.String() }

// Expr is an observation expression: *ObservationExpr, *BinaryExpr or
// *QualifiedExpr.
type Expr interface {
	// Pos is the position of the expression's first token.
	Pos() Pos
	// String renders the expression canonically.
	String() string
	exprNode()
}

// Combinator joins two expressions.
type Combinator uint8

// Combinators, from the loosest to the tightest binding. FollowedBy only
// joins observation expressions.
const (
	FollowedBy Combinator = iota + 1
	Or
	And
)

// String returns the keyword.
func (c Combinator) String() string {
	switch c {
	case FollowedBy:
		return "FOLLOWEDBY"
	case Or:
		return "OR"
	case And:
		return "AND"
	}
	return "Combinator(" + strconv.Itoa(int(c)) + ")"
}

// ObservationExpr is a bracketed comparison expression: [ ... ].
type ObservationExpr struct {
	Position Pos // of '['
	Cond     Comparison
}

// BinaryExpr joins two observation expressions with AND, OR or FOLLOWEDBY.
type BinaryExpr struct {
	Position Pos // of the left operand
	Op       Combinator
	X, Y     Expr
}

// QualifiedExpr is an observation expression followed by a qualifier.
// Qualifiers stack: "[a] REPEATS 2 TIMES WITHIN 5 SECONDS" is a Within
// qualifier applied to a Repeats-qualified expression.
type QualifiedExpr struct {
	Position  Pos // of X
	X         Expr
	Qualifier Qualifier
}

// Pos implements Expr.
func (e *ObservationExpr) Pos() Pos { return e.Position }

// Pos implements Expr.
func (e *BinaryExpr) Pos() Pos { return e.Position }

// Pos implements Expr.
func (e *QualifiedExpr) Pos() Pos { return e.Position }

func (*ObservationExpr) exprNode() {}
func (*BinaryExpr) exprNode()      {}
func (*QualifiedExpr) exprNode()   {}

// Qualifier is *Within, *Repeats or *StartStop.
type Qualifier interface {
	// Pos is the position of the qualifier keyword.
	Pos() Pos
	// String renders the qualifier canonically.
	String() string
	qualifierNode()
}

// Within is "WITHIN <n> SECONDS"; Seconds is positive.
type Within struct {
	Position Pos
	Seconds  *Literal // KindInt or KindFloat
}

// Repeats is "REPEATS <n> TIMES"; Times is positive.
type Repeats struct {
	Position Pos
	Times    *Literal // KindInt
}

// StartStop is "START t'…' STOP t'…'"; Start is before Stop.
type StartStop struct {
	Position    Pos
	Start, Stop *Literal // KindTimestamp
}

// Pos implements Qualifier.
func (q *Within) Pos() Pos { return q.Position }

// Pos implements Qualifier.
func (q *Repeats) Pos() Pos { return q.Position }

// Pos implements Qualifier.
func (q *StartStop) Pos() Pos { return q.Position }

func (*Within) qualifierNode()    {}
func (*Repeats) qualifierNode()   {}
func (*StartStop) qualifierNode() {}

// Comparison is a comparison expression inside brackets: *BinaryComparison,
// *PropTest or *ExistsTest.
type Comparison interface {
	// Pos is the position of the comparison's first token.
	Pos() Pos
	// String renders the comparison canonically.
	String() string
	comparisonNode()
}

// BinaryComparison joins two comparison expressions with AND or OR.
type BinaryComparison struct {
	Position Pos // of the left operand
	Op       Combinator
	X, Y     Comparison
}

// Operator is a comparison operator.
type Operator uint8

// Comparison operators.
const (
	OpEqual Operator = iota + 1
	OpNotEqual
	OpLess
	OpLessEqual
	OpGreater
	OpGreaterEqual
	OpIn
	OpLike
	OpMatches
	OpIsSubset
	OpIsSuperset
)

var operatorNames = [...]string{
	OpEqual:        "=",
	OpNotEqual:     "!=",
	OpLess:         "<",
	OpLessEqual:    "<=",
	OpGreater:      ">",
	OpGreaterEqual: ">=",
	OpIn:           "IN",
	OpLike:         "LIKE",
	OpMatches:      "MATCHES",
	OpIsSubset:     "ISSUBSET",
	OpIsSuperset:   "ISSUPERSET",
}

// String returns the operator as written in canonical form ("=", "IN", …).
func (o Operator) String() string {
	if o > 0 && int(o) < len(operatorNames) {
		return operatorNames[o]
	}
	return "Operator(" + strconv.Itoa(int(o)) + ")"
}

// PropTest compares an object path with a literal: "path [NOT] op value".
type PropTest struct {
	Position Pos // of the object path
	Path     *ObjectPath
	Not      bool
	Op       Operator
	// Value is the right-hand literal; nil for OpIn.
	Value *Literal
	// Set holds the members of the set literal for OpIn (possibly empty).
	Set []*Literal
}

// ExistsTest is "[NOT] EXISTS path".
type ExistsTest struct {
	Position Pos // of NOT or EXISTS
	Not      bool
	Path     *ObjectPath
}

// Pos implements Comparison.
func (c *BinaryComparison) Pos() Pos { return c.Position }

// Pos implements Comparison.
func (c *PropTest) Pos() Pos { return c.Position }

// Pos implements Comparison.
func (c *ExistsTest) Pos() Pos { return c.Position }

func (*BinaryComparison) comparisonNode() {}
func (*PropTest) comparisonNode()         {}
func (*ExistsTest) comparisonNode()       {}

// ObjectPath is "type:property(.key | [index])*".
type ObjectPath struct {
	Position   Pos // of the object type
	ObjectType string
	// Steps holds at least one step; the first is always a StepKey naming
	// a property of the object.
	Steps []PathStep
}

// StepKind distinguishes the components of an object path.
type StepKind uint8

// Path step kinds.
const (
	StepKey   StepKind = iota + 1 // .name or .'quoted name'
	StepIndex                     // [n]
	StepAny                       // [*]
)

// PathStep is one component of an object path.
type PathStep struct {
	Position Pos
	Kind     StepKind
	// Key is the property or dictionary key, unquoted, for StepKey.
	Key string
	// Quoted records that Key was written as a string literal.
	Quoted bool
	// Index is the list index for StepIndex; the grammar allows negative
	// indexes, which count from the end of the list.
	Index int
}

// LiteralKind is the type of a literal.
type LiteralKind uint8

// Literal kinds.
const (
	KindInt LiteralKind = iota + 1
	KindFloat
	KindString
	KindBool
	KindBinary
	KindHex
	KindTimestamp
)

var literalKindNames = [...]string{
	KindInt:       "int",
	KindFloat:     "float",
	KindString:    "string",
	KindBool:      "bool",
	KindBinary:    "binary",
	KindHex:       "hex",
	KindTimestamp: "timestamp",
}

// String names the kind.
func (k LiteralKind) String() string {
	if k > 0 && int(k) < len(literalKindNames) {
		return literalKindNames[k]
	}
	return "LiteralKind(" + strconv.Itoa(int(k)) + ")"
}

// Literal is a constant. Raw is the source text; exactly one of the value
// fields is meaningful, selected by Kind.
type Literal struct {
	Position Pos
	Kind     LiteralKind
	Raw      string
	Int      int64     // KindInt
	Float    float64   // KindFloat
	Str      string    // KindString: the decoded string, escapes resolved
	Bool     bool      // KindBool
	Bytes    []byte    // KindBinary, KindHex: the decoded bytes
	Time     time.Time // KindTimestamp, in UTC
}

// String returns the literal's source text.
func (l *Literal) String() string { return l.Raw }

// String renders the path canonically, quoting the keys that were quoted.
func (p *ObjectPath) String() string {
	var b strings.Builder
	b.WriteString(p.ObjectType)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if s.Quoted {
				writeQuoted(&b, s.Key)
			} else {
				b.WriteString(s.Key)
			}
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case StepAny:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// writeQuoted writes s as a pattern string literal.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\'' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}
