package pattern

import (
	"strconv"
	"unicode/utf8"
)

// Parse parses and validates src with the default limits. A non-nil error
// is always an *Error.
func Parse(src string) (*Pattern, error) {
	return ParseWithLimits(src, Limits{})
}

// ParseWithLimits is Parse with explicit limits. A pattern over
// lim.MaxLength fails before any scanning, with an *Error wrapping
// ErrTooLong; nesting deeper than lim.MaxDepth fails at the offending
// bracket with an *Error wrapping ErrTooDeep.
func ParseWithLimits(src string, lim Limits) (*Pattern, error) {
	lim = lim.withDefaults()
	if len(src) > lim.MaxLength {
		return nil, &Error{Line: 1, Column: 1, Msg: "pattern is " + strconv.Itoa(len(src)) +
			" bytes, over the limit of " + strconv.Itoa(lim.MaxLength), Err: ErrTooLong}
	}
	if !utf8.ValidString(src) {
		return nil, invalidUTF8(src)
	}
	p := parser{lex: newLexer(src), maxDepth: lim.MaxDepth}
	if err := p.next(); err != nil {
		return nil, err
	}
	root, err := p.parseObservations()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern")
	}
	return &Pattern{Root: root, Source: src}, nil
}

// invalidUTF8 reports the first invalid byte of src.
func invalidUTF8(src string) *Error {
	lx := newLexer(src)
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && size == 1 {
			return lx.errAt(i, "invalid UTF-8")
		}
		i += size
	}
	return lx.errAt(0, "invalid UTF-8")
}

// parser is a recursive-descent parser over the grammar in STIXPattern.g4.
// Left-recursive binary rules are parsed as loops, so recursion only grows
// with bracket nesting, which depth bounds.
type parser struct {
	lex      lexer
	tok      token // the current token
	depth    int
	maxDepth int
}

func (p *parser) next() *Error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// unexpected reports the current token where want was expected.
func (p *parser) unexpected(want string) *Error {
	got := p.tok.kind.String()
	if p.tok.kind != tokEOF {
		got = strconv.Quote(snippet(p.tok.text))
	}
	return newError(p.tok.pos, "expected %s, found %s", want, got)
}

// maxSnippet bounds the source text quoted in an error message.
const maxSnippet = 40

// snippet shortens s to at most maxSnippet bytes, on a rune boundary.
func snippet(s string) string {
	if len(s) <= maxSnippet {
		return s
	}
	n := maxSnippet
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// expect consumes a token of kind k.
func (p *parser) expect(k tokenKind) (token, *Error) {
	t := p.tok
	if t.kind != k {
		return t, p.unexpected(k.String())
	}
	return t, p.next()
}

// enter counts one level of bracket nesting at the current token.
func (p *parser) enter() *Error {
	p.depth++
	if p.depth > p.maxDepth {
		err := newError(p.tok.pos, "nesting deeper than %d", p.maxDepth)
		err.Err = ErrTooDeep
		return err
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// parseObservations parses observationExpressions: the loosest level,
// joined by FOLLOWEDBY.
func (p *parser) parseObservations() (Expr, *Error) {
	return p.parseObsLevel(FollowedBy)
}

// obsKeyword maps a combinator to its token.
var obsKeyword = [...]tokenKind{FollowedBy: tokFollowedBy, Or: tokOr, And: tokAnd}

// parseObsLevel parses a left-associative chain of observation
// expressions joined by op, whose operands are the next tighter level.
func (p *parser) parseObsLevel(op Combinator) (Expr, *Error) {
	operand := func() (Expr, *Error) {
		if op == And {
			return p.parseObsPrimary()
		}
		return p.parseObsLevel(op + 1)
	}
	x, err := operand()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == obsKeyword[op] {
		if err := p.next(); err != nil {
			return nil, err
		}
		y, err := operand()
		if err != nil {
			return nil, err
		}
		x = &BinaryExpr{Position: x.Pos(), Op: op, X: x, Y: y}
	}
	return x, nil
}

// parseObsPrimary parses observationExpression: a bracketed comparison or
// a parenthesised observation expression, then any qualifiers.
func (p *parser) parseObsPrimary() (Expr, *Error) {
	var x Expr
	switch p.tok.kind {
	case tokLBrack:
		open := p.tok.pos
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		c, err := p.parseComparisons()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRBrack); err != nil {
			return nil, err
		}
		p.leave()
		x = &ObservationExpr{Position: open, Cond: c}
	case tokLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.parseObservations()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		p.leave()
		x = e
	default:
		return nil, p.unexpected("'[' or '('")
	}
	// Spec over grammar: the grammar lets qualifiers repeat, but STIX 2.1
	// section 9.5.1 allows each qualifier type at most once on one
	// observation expression; "[a] WITHIN 5 SECONDS WITHIN 6 SECONDS" must
	// be written "([a] WITHIN 5 SECONDS) WITHIN 6 SECONDS".
	var seen [tokTimes]bool // indexed by tokWithin, tokRepeats, tokStart
	for {
		var (
			q   Qualifier
			err *Error
		)
		kind, at := p.tok.kind, p.tok.pos
		switch kind {
		case tokWithin:
			q, err = p.parseWithin()
		case tokRepeats:
			q, err = p.parseRepeats()
		case tokStart:
			q, err = p.parseStartStop()
		default:
			return x, nil
		}
		if err != nil {
			return nil, err
		}
		if seen[kind] {
			return nil, newError(at, "a %s qualifier already applies to this observation expression: parenthesise it to qualify it again", kind)
		}
		seen[kind] = true
		x = &QualifiedExpr{Position: x.Pos(), X: x, Qualifier: q}
	}
}

// parseComparisons parses comparisonExpression: AND binds tighter than OR.
func (p *parser) parseComparisons() (Comparison, *Error) {
	return p.parseCompLevel(Or)
}

func (p *parser) parseCompLevel(op Combinator) (Comparison, *Error) {
	operand := func() (Comparison, *Error) {
		if op == And {
			return p.parsePropTest()
		}
		return p.parseCompLevel(And)
	}
	x, err := operand()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == obsKeyword[op] {
		if err := p.next(); err != nil {
			return nil, err
		}
		y, err := operand()
		if err != nil {
			return nil, err
		}
		x = &BinaryComparison{Position: x.Pos(), Op: op, X: x, Y: y}
	}
	return x, nil
}

// comparisonOps maps operator tokens to operators.
var comparisonOps = [...]Operator{
	tokEq: OpEqual, tokNeq: OpNotEqual, tokLt: OpLess, tokLe: OpLessEqual,
	tokGt: OpGreater, tokGe: OpGreaterEqual, tokIn: OpIn, tokLike: OpLike,
	tokMatches: OpMatches, tokIsSubset: OpIsSubset, tokIsSuperset: OpIsSuperset,
}

// parsePropTest parses propTest.
func (p *parser) parsePropTest() (Comparison, *Error) {
	start := p.tok.pos
	switch p.tok.kind {
	case tokLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.next(); err != nil {
			return nil, err
		}
		c, err := p.parseComparisons()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		p.leave()
		return c, nil
	case tokNot, tokExists:
		not := p.tok.kind == tokNot
		if not {
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if _, err := p.expect(tokExists); err != nil {
			return nil, err
		}
		path, err := p.parseObjectPath()
		if err != nil {
			return nil, err
		}
		return &ExistsTest{Position: start, Not: not, Path: path}, nil
	}
	path, err := p.parseObjectPath()
	if err != nil {
		return nil, err
	}
	t := &PropTest{Position: start, Path: path}
	if p.tok.kind == tokNot {
		t.Not = true
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	opTok := p.tok
	if int(opTok.kind) < len(comparisonOps) {
		t.Op = comparisonOps[opTok.kind]
	}
	if t.Op == 0 {
		return nil, p.unexpected("a comparison operator")
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	switch t.Op {
	case OpIn:
		t.Set, err = p.parseSet()
	case OpEqual, OpNotEqual:
		if !isLiteral(p.tok.kind) {
			return nil, p.unexpected("a literal")
		}
		t.Value, err = p.parseLiteral()
	case OpLess, OpLessEqual, OpGreater, OpGreaterEqual:
		if !isLiteral(p.tok.kind) || p.tok.kind == tokBool {
			return nil, p.unexpected("an orderable literal (not a boolean)")
		}
		t.Value, err = p.parseLiteral()
	default: // LIKE, MATCHES, ISSUBSET, ISSUPERSET take a string.
		if p.tok.kind != tokString {
			return nil, p.unexpected("a string literal after " + t.Op.String())
		}
		t.Value, err = p.parseLiteral()
	}
	if err != nil {
		return nil, err
	}
	if err := checkPropTest(t); err != nil {
		return nil, err
	}
	return t, nil
}

// parseSet parses setLiteral: "()" or "(lit, lit, …)".
func (p *parser) parseSet() ([]*Literal, *Error) {
	if _, err := p.expect(tokLParen); err != nil {
		return nil, err
	}
	set := []*Literal{}
	if p.tok.kind == tokRParen {
		return set, p.next()
	}
	for {
		if !isLiteral(p.tok.kind) {
			return nil, p.unexpected("a literal")
		}
		lit, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		set = append(set, lit)
		if p.tok.kind != tokComma {
			break
		}
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	return set, nil
}

func isLiteral(k tokenKind) bool {
	switch k {
	case tokInt, tokFloat, tokString, tokBool, tokBinary, tokHex, tokTimestamp:
		return true
	}
	return false
}

// parseLiteral converts the current literal token and advances.
func (p *parser) parseLiteral() (*Literal, *Error) {
	t := p.tok
	lit := &Literal{Position: t.pos, Raw: t.text}
	switch t.kind {
	case tokInt:
		lit.Kind = KindInt
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, newError(t.pos, "integer %s out of range", snippet(t.text))
		}
		lit.Int = n
	case tokFloat:
		lit.Kind = KindFloat
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, newError(t.pos, "float %s out of range", snippet(t.text))
		}
		lit.Float = f
	case tokString:
		lit.Kind, lit.Str = KindString, t.val
	case tokBool:
		lit.Kind, lit.Bool = KindBool, t.text == "true"
	case tokBinary:
		lit.Kind, lit.Bytes = KindBinary, decodeBinary(t.val)
	case tokHex:
		lit.Kind, lit.Bytes = KindHex, decodeHex(t.val)
	case tokTimestamp:
		lit.Kind = KindTimestamp
		lit.Time, _ = parseTimestamp(t.val)
	default:
		return nil, p.unexpected("a literal")
	}
	return lit, p.next()
}
