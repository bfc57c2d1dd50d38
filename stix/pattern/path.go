package pattern

import "strconv"

// Object paths: objectType ':' firstPathComponent objectPathComponent*.

// parseObjectPath parses objectPath: type ':' first (('.' key) | ('[' index ']'))*.
func (p *parser) parseObjectPath() (*ObjectPath, *Error) {
	if p.tok.kind != tokIdent {
		return nil, p.unexpected("an object path")
	}
	path := &ObjectPath{Position: p.tok.pos, ObjectType: p.tok.text, Steps: make([]PathStep, 0, 2)}
	if err := checkObjectType(p.tok); err != nil {
		return nil, err
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if _, err := p.expect(tokColon); err != nil {
		return nil, err
	}
	step, err := p.parseKey(true)
	if err != nil {
		return nil, err
	}
	path.Steps = append(path.Steps, step)
	for {
		switch p.tok.kind {
		case tokDot:
			if err := p.next(); err != nil {
				return nil, err
			}
			step, err := p.parseKey(false)
			if err != nil {
				return nil, err
			}
			path.Steps = append(path.Steps, step)
		case tokLBrack:
			step, err := p.parseIndex()
			if err != nil {
				return nil, err
			}
			path.Steps = append(path.Steps, step)
		default:
			return path, nil
		}
	}
}

// parseKey parses a property name or dictionary key: an identifier
// without hyphens, or a string literal.
func (p *parser) parseKey(first bool) (PathStep, *Error) {
	t := p.tok
	step := PathStep{Position: t.pos, Kind: StepKey, Key: t.val}
	switch t.kind {
	case tokString:
		step.Quoted = true
	case tokIdent:
		for k := 0; k < len(t.text); k++ {
			if t.text[k] == '-' {
				return step, newError(t.pos, "%q must be quoted: unquoted keys cannot contain '-'", snippet(t.text))
			}
		}
	default:
		return step, p.unexpected("a property name")
	}
	if err := checkKey(t, first); err != nil {
		return step, err
	}
	return step, p.next()
}

// parseIndex parses '[' (int | '*') ']'.
func (p *parser) parseIndex() (PathStep, *Error) {
	step := PathStep{Position: p.tok.pos}
	if err := p.next(); err != nil {
		return step, err
	}
	switch p.tok.kind {
	case tokStar:
		step.Kind = StepAny
	case tokInt:
		n, err := strconv.Atoi(p.tok.text)
		if err != nil {
			return step, newError(p.tok.pos, "list index %s out of range", snippet(p.tok.text))
		}
		step.Kind, step.Index = StepIndex, n
	default:
		return step, p.unexpected("a list index or '*'")
	}
	if err := p.next(); err != nil {
		return step, err
	}
	_, err := p.expect(tokRBrack)
	return step, err
}
