// Package jsontext is JAG's one strict JSON reader. The STIX decoder
// (package stix), the JCS canonicaliser (package auth/jcs) and the signature
// scanner (package auth) all read JSON through it, so they accept exactly the
// same texts, decode strings the same way and agree on every byte offset.
//
// # Contract
//
// A Reader reads one JSON text (RFC 8259) held in memory, token by token.
// It refuses, with an *Error giving the byte offset: syntax errors,
// truncated input, data after the value, invalid UTF-8 (overlong forms and
// encoded surrogates included), lone UTF-16 surrogates in \u escapes, raw
// control characters in strings, and, with Error.Limit set, nesting deeper
// than Limits.MaxDepth (never more than MaxDepth) and strings or number
// literals longer than Limits.MaxString.
//
// The Reader checks grammar, not meaning: duplicate member names and
// numbers that no IEEE 754 double represents (1e400) are for its callers to
// refuse, since the STIX decoder reports them differently from the
// canonicaliser. Representable and Float give the one rule for numbers.
//
// Every token carries the offsets of its bytes in the input, so callers
// slice raw values and whole members out of the input by offset. String
// tokens carry the decoded text, which aliases the input unless the string
// had escape sequences.
//
// # Concurrency
//
// A Reader is used by one goroutine at a time. The package has no mutable
// package-level state and performs no I/O.
package jsontext
