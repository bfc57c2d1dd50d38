package jcs

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error for input that has no canonical form.
var ErrInvalid = errors.New("jcs: invalid input")

// MaxDepth is the deepest nesting of arrays and objects Transform accepts.
// It bounds the recursion, so hostile input cannot exhaust the stack.
const MaxDepth = 128

// SyntaxError reports where and why the input has no canonical form.
type SyntaxError struct {
	Offset int    // byte offset in the input
	Msg    string // what was wrong
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jcs: %s at offset %d", e.Msg, e.Offset)
}

// Unwrap makes every SyntaxError match ErrInvalid.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }
