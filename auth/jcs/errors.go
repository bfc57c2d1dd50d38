package jcs

import (
	"errors"
	"fmt"

	"github.com/jag-hub/jag/stix/jsontext"
)

// ErrInvalid is wrapped by every error for input that has no canonical form.
var ErrInvalid = errors.New("jcs: invalid input")

// MaxDepth is the deepest nesting of arrays and objects Transform accepts:
// the shared reader's bound, so hostile input cannot exhaust the stack.
const MaxDepth = jsontext.MaxDepth

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
