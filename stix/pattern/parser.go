package pattern

// Parse parses and validates src with the default limits. A non-nil error
// is always an *Error.
func Parse(src string) (*Pattern, error) {
	return ParseWithLimits(src, Limits{})
}

// ParseWithLimits is Parse with explicit limits.
func ParseWithLimits(src string, lim Limits) (*Pattern, error) {
	return nil, newError(Pos{Line: 1, Column: 1}, "not implemented yet")
}
