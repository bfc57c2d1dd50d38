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
	// START is inclusive and STOP exclusive (STIX 2.1 section 9.5). The
	// specification does not forbid an empty window (START = STOP, which
	// matches nothing), so it is accepted; a STOP before START describes
	// no interval at all and is refused.
	if stop.Time.Before(start.Time) {
		return nil, newError(stop.Position, "STOP %s is before START %s", stop.Raw, start.Raw)
	}
	return &StartStop{Position: at, Start: start, Stop: stop}, nil
}
