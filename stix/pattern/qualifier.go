package pattern

// Qualifiers: WITHIN, REPEATS and START … STOP follow an observation
// expression (withinQualifier, repeatedQualifier, startStopQualifier).

// parseWithin parses "WITHIN (int|float) SECONDS".
func (p *parser) parseWithin() (Qualifier, *Error) {
	at := p.tok.pos
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokInt && p.tok.kind != tokFloat {
		return nil, p.unexpected("a number of seconds")
	}
	lit, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	if lit.Kind == KindInt && lit.Int <= 0 || lit.Kind == KindFloat && !(lit.Float > 0) {
		return nil, newError(lit.Position, "WITHIN needs a positive number of seconds, not %s", snippet(lit.Raw))
	}
	if _, err := p.expect(tokSeconds); err != nil {
		return nil, err
	}
	return &Within{Position: at, Seconds: lit}, nil
}

// parseRepeats parses "REPEATS int TIMES".
func (p *parser) parseRepeats() (Qualifier, *Error) {
	at := p.tok.pos
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokInt {
		return nil, p.unexpected("a number of times")
	}
	lit, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	if lit.Int <= 0 {
		return nil, newError(lit.Position, "REPEATS needs a positive count, not %s", snippet(lit.Raw))
	}
	if _, err := p.expect(tokTimes); err != nil {
		return nil, err
	}
	return &Repeats{Position: at, Times: lit}, nil
}

// parseStartStop parses "START t'…' STOP t'…'".
func (p *parser) parseStartStop() (Qualifier, *Error) {
	at := p.tok.pos
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokTimestamp {
		return nil, p.unexpected("a timestamp t'…'")
	}
	start, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokStop); err != nil {
		return nil, err
	}
	if p.tok.kind != tokTimestamp {
		return nil, p.unexpected("a timestamp t'…'")
	}
	stop, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	// Spec over grammar: the grammar accepts any two timestamps, the
	// specification requires STOP to be later than START.
	if !stop.Time.After(start.Time) {
		return nil, newError(stop.Position, "STOP %s is not later than START %s", stop.Raw, start.Raw)
	}
	return &StartStop{Position: at, Start: start, Stop: stop}, nil
}
