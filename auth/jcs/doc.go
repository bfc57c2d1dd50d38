// Package jcs implements the JSON Canonicalization Scheme of RFC 8785: the
// one byte sequence every conforming implementation produces for a JSON
// value, so that a signature over it can be checked by anyone.
//
// # Contract
//
// Transform reads a JSON text and returns its canonical form: no whitespace,
// object members sorted by the UTF-16 code units of their names, strings with
// only the mandatory escapes (\b \t \n \f \r \" \\ and \u00xx for the other
// control characters, lower-case hex), and numbers serialised as ECMAScript's
// Number.prototype.toString does for the IEEE 754 double they denote.
//
// Input that RFC 8785 (through I-JSON, RFC 7493) does not allow is refused
// with an error wrapping ErrInvalid: syntax errors, trailing data, duplicate
// member names, invalid UTF-8, lone surrogates, numbers that overflow a
// double, and nesting deeper than MaxDepth.
//
// Transform reads its input with stix/jsontext, the strict JSON reader the
// STIX decoder and the signature checks share, so it accepts exactly the
// texts they accept (numbers aside: a number no double represents is valid
// JSON, which stix.Validate reports and Transform refuses).
//
// The transformation is a single pass over the input with no reflection: the
// canonical output is written as the input is read, and the members of an
// object are reordered in place only when they were not already sorted.
//
// # Concurrency
//
// The package has no mutable package-level state; all functions may be
// called from any number of goroutines.
package jcs
