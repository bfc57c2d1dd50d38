package pattern

import "strings"

// The printer renders canonical text: one space between tokens, and
// parentheses only where the operand binds more loosely than its parent
// (or equally, on the right, since all combinators are left-associative).

// String implements Expr.
func (e *ObservationExpr) String() string {
	var b strings.Builder
	writeExpr(&b, e, 0)
	return b.String()
}

// String implements Expr.
func (e *BinaryExpr) String() string {
	var b strings.Builder
	writeExpr(&b, e, 0)
	return b.String()
}

// String implements Expr.
func (e *QualifiedExpr) String() string {
	var b strings.Builder
	writeExpr(&b, e, 0)
	return b.String()
}

// String implements Qualifier.
func (q *Within) String() string { return "WITHIN " + q.Seconds.Raw + " SECONDS" }

// String implements Qualifier.
func (q *Repeats) String() string { return "REPEATS " + q.Times.Raw + " TIMES" }

// String implements Qualifier.
func (q *StartStop) String() string { return "START " + q.Start.Raw + " STOP " + q.Stop.Raw }

// String implements Comparison.
func (c *BinaryComparison) String() string {
	var b strings.Builder
	writeComparison(&b, c, 0)
	return b.String()
}

// String implements Comparison.
func (c *PropTest) String() string {
	var b strings.Builder
	writeComparison(&b, c, 0)
	return b.String()
}

// String implements Comparison.
func (c *ExistsTest) String() string {
	var b strings.Builder
	writeComparison(&b, c, 0)
	return b.String()
}

// qualifiedPrec binds tighter than any combinator: a qualifier applies to
// the observation expression immediately before it.
const qualifiedPrec = And + 1

// writeExpr writes e; min is the loosest combinator that may appear
// unparenthesised at this position.
func writeExpr(b *strings.Builder, e Expr, min Combinator) {
	switch e := e.(type) {
	case *ObservationExpr:
		b.WriteByte('[')
		writeComparison(b, e.Cond, 0)
		b.WriteByte(']')
	case *BinaryExpr:
		paren := e.Op < min
		if paren {
			b.WriteByte('(')
		}
		writeExpr(b, e.X, e.Op)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		writeExpr(b, e.Y, e.Op+1)
		if paren {
			b.WriteByte(')')
		}
	case *QualifiedExpr:
		// A qualifier type may apply once per observation expression
		// (section 9.5.1): qualifying again needs parentheses.
		paren := qualifiedBy(e.X, e.Qualifier)
		if paren {
			b.WriteByte('(')
		}
		writeExpr(b, e.X, qualifiedPrec)
		if paren {
			b.WriteByte(')')
		}
		b.WriteByte(' ')
		b.WriteString(e.Qualifier.String())
	}
}

// qualifiedBy reports whether x, printed without parentheses, already ends
// in a qualifier of q's type.
func qualifiedBy(x Expr, q Qualifier) bool {
	for {
		qe, ok := x.(*QualifiedExpr)
		if !ok {
			return false
		}
		if sameQualifier(qe.Qualifier, q) {
			return true
		}
		x = qe.X
	}
}

func sameQualifier(a, b Qualifier) bool {
	switch a.(type) {
	case *Within:
		_, ok := b.(*Within)
		return ok
	case *Repeats:
		_, ok := b.(*Repeats)
		return ok
	case *StartStop:
		_, ok := b.(*StartStop)
		return ok
	}
	return false
}

// writeComparison writes c; min is as for writeExpr.
func writeComparison(b *strings.Builder, c Comparison, min Combinator) {
	switch c := c.(type) {
	case *BinaryComparison:
		paren := c.Op < min
		if paren {
			b.WriteByte('(')
		}
		writeComparison(b, c.X, c.Op)
		b.WriteByte(' ')
		b.WriteString(c.Op.String())
		b.WriteByte(' ')
		writeComparison(b, c.Y, c.Op+1)
		if paren {
			b.WriteByte(')')
		}
	case *PropTest:
		b.WriteString(c.Path.String())
		if c.Not {
			b.WriteString(" NOT")
		}
		b.WriteByte(' ')
		b.WriteString(c.Op.String())
		b.WriteByte(' ')
		if c.Op != OpIn {
			b.WriteString(c.Value.Raw)
			return
		}
		b.WriteByte('(')
		for i, v := range c.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.Raw)
		}
		b.WriteByte(')')
	case *ExistsTest:
		if c.Not {
			b.WriteString("NOT ")
		}
		b.WriteString("EXISTS ")
		b.WriteString(c.Path.String())
	}
}
