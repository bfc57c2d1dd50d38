package stix

import (
	"errors"
	"fmt"
)

// Default decoding limits. They are generous for real STIX content (the
// Pegasus dataset is 1.1 MB with 3 099 objects) and small enough that one
// hostile request cannot exhaust the hub's memory.
const (
	DefaultMaxBytes    = 16 << 20
	DefaultMaxDepth    = 64
	DefaultMaxString   = 1 << 20
	DefaultMaxElements = 100_000
	DefaultMaxObjects  = 10_000
)

// Limits bound what the decoder accepts; zero fields mean "use the default".
type Limits struct {
	MaxBytes    int // whole document (default 16 MiB)
	MaxDepth    int // nesting depth (default 64; at most jsontext.MaxDepth, 128, whatever is set)
	MaxString   int // bytes in one string, as written in the input (default 1 MiB)
	MaxElements int // elements of one array / members of one object (default 100 000)
	MaxObjects  int // objects in one bundle (default 10 000)
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:    DefaultMaxBytes,
		MaxDepth:    DefaultMaxDepth,
		MaxString:   DefaultMaxString,
		MaxElements: DefaultMaxElements,
		MaxObjects:  DefaultMaxObjects,
	}
}

// withDefaults replaces zero (or negative) fields by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = d.MaxObjects
	}
	return l
}

// Sentinel errors. Every *DecodeError matches ErrDecode with errors.Is, and
// those with TooLarge set also match ErrTooLarge.
var (
	ErrDecode   = errors.New("stix: invalid JSON document")
	ErrTooLarge = errors.New("stix: document exceeds decoding limits")
)

// DecodeError is a syntax/strictness/size failure (HTTP 400, or 413 when TooLarge).
type DecodeError struct {
	Pointer  string // RFC 6901 pointer to the value being decoded ("" = document root)
	Offset   int    // byte offset in the input where the problem was detected
	Msg      string // human-readable description, safe to show to the client
	TooLarge bool   // a Limits bound was exceeded
}

// Error implements error.
func (e *DecodeError) Error() string {
	p := e.Pointer
	if p == "" {
		p = "/"
	}
	return fmt.Sprintf("stix: decode %s (offset %d): %s", p, e.Offset, e.Msg)
}

// Is reports whether target is ErrDecode, or ErrTooLarge for size failures.
func (e *DecodeError) Is(target error) bool {
	return target == ErrDecode || (e.TooLarge && target == ErrTooLarge)
}

// Code returns the stable API error code for e: "too_large" or "invalid_json".
func (e *DecodeError) Code() string {
	if e.TooLarge {
		return "too_large"
	}
	return "invalid_json"
}
