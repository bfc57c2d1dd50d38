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
// Beyond JSON types, Validate checks the string forms the specification
// fixes: ipv4-addr/ipv6-addr values are addresses or CIDRs in standard form
// of their family, url values RFC 3986 URLs, email-addr values bare
// addresses (no display name), windows-registry-key keys start with a full
// hive name, software.cpe is a CPE 2.3 formatted string, file.name_enc and
// directory.path_enc are IANA character set names, and nested timestamps
// (extensions, x509 v3 extensions, the deprecated observed-data objects)
// are real instants. The value rules are pattern.CheckValue, so indicator
// patterns are held to the same ones. Identifiers must hold an RFC 4122
// UUID (variant 10xx, version 1-5): UUIDv4 for SDOs, SROs and SMOs and
// UUIDv5 for SCOs are only SHOULDs in STIX 2.1 §2.9 and are not enforced.
//
// # Markings
//
// Only the predefined TLP 1.0 and 2.0 marking definitions may be TLP
// markings: a marking definition with another id and definition_type
// "tlp" or the TLP 2.0 extension (TLP2ExtensionID) is a Problem. The
// effective TLP of an object (EffectiveTLP) is the most restrictive of its
// object_marking_refs and of every granular_markings[].marking_ref:
// signatures cover the whole object, so a granular marking restricts the
// whole object rather than the selected properties. A marking that is
// neither a predefined TLP marking nor known to the caller counts as
// TLP:RED; only an object with no TLP marking anywhere takes the default.
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
