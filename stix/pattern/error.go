package pattern

import (
	"errors"
	"fmt"
)

// ErrTooLong and ErrTooDeep are the causes of an *Error raised by a limit;
// test for them with errors.Is.
var (
	ErrTooLong = errors.New("pattern too long")
	ErrTooDeep = errors.New("pattern nested too deeply")
)

// Error is a syntax or validation error at a position in the pattern.
type Error struct {
	// Line and Column are 1-based; Column counts runes.
	Line, Column int
	// Offset is the 0-based byte offset.
	Offset int
	// Msg describes the problem.
	Msg string
	// Err is the sentinel cause (ErrTooLong, ErrTooDeep), or nil.
	Err error
}

// Error formats the error as "line L, column C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns the sentinel cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Pos returns the error's position.
func (e *Error) Pos() Pos { return Pos{Offset: e.Offset, Line: e.Line, Column: e.Column} }

func newError(p Pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Column: p.Column, Offset: p.Offset, Msg: fmt.Sprintf(format, args...)}
}
