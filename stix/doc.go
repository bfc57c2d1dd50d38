// Package stix is JAG's STIX 2.1 vocabulary: strict JSON decoding of bundles
// and objects, validation of every STIX 2.1 object type, and TLP 2.0 markings.
//
// # Contract
//
// DecodeBundle and DecodeObject accept untrusted bytes. They read them with
// stix/jsontext, the strict JSON reader the JCS canonicaliser and the
// signature checks share (not encoding/json, which matches member names
// case-insensitively and silently repairs invalid UTF-8), and reject,
// with a *DecodeError carrying an RFC 6901 pointer and a byte offset:
// syntax errors, truncated input, trailing data, duplicate or case-variant
// member names, invalid UTF-8, lone UTF-16 surrogates, and anything beyond
// Limits (TooLarge set: the caller answers 413). Limits are checked while
// scanning, so hostile input fails fast with memory bounded by MaxBytes.
// Every decoded Object keeps Raw, a sub-slice of the input holding the
// object's exact original bytes (signatures are verified over them).
//
// Decoding checks JSON only. Validate then checks the STIX 2.1 rules
// (common properties, identifiers, timestamps, per-type required and
// forbidden properties, closed vocabularies, reference types, custom
// content, TLP marking definitions, indicator patterns through
// stix/pattern) and returns every Problem found, each with the object id
// and a pointer into the bundle document, together with the patterns it
// parsed. Two things are valid JSON but invalid STIX and are reported as
// Problems, not DecodeErrors: a string containing U+0000, and a number no
// IEEE 754 double represents (1e400), which has no JCS form (RFC 8785) and
// so could never be signed. Whatever Validate accepts, auth/jcs
// canonicalises.
//
// # Concurrency
//
// The package has no mutable package-level state. Decoded values are plain
// data: they may be read from many goroutines once decoding has returned, and
// Validate does not modify its argument. The input slice must not be modified
// while Objects decoded from it are in use, since Raw aliases it.
//
// The package performs no I/O.
package stix
