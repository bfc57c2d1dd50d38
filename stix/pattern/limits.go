package pattern

// Default limits; see Limits.
const (
	DefaultMaxLength = 64 << 10
	DefaultMaxDepth  = 64
)

// Limits bound the work Parse does on hostile input. A zero field takes
// its default.
type Limits struct {
	// MaxLength is the longest accepted pattern, in bytes
	// (default DefaultMaxLength).
	MaxLength int
	// MaxDepth is the deepest accepted nesting of parentheses and brackets
	// (default DefaultMaxDepth).
	MaxDepth int
}

func (l Limits) withDefaults() Limits {
	if l.MaxLength <= 0 {
		l.MaxLength = DefaultMaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}
