// Package pattern implements the STIX 2.1 patterning language (STIX 2.1
// section 9): a lexer and recursive-descent parser following the OASIS
// grammar STIXPattern.g4, an AST with source positions, semantic
// validation, and extraction of the observables an index can answer for.
//
// # Contract
//
// Parse accepts exactly the language of STIXPattern.g4 and then rejects
// what the grammar cannot express but the specification forbids:
//
//   - object types that are not STIX type names (3-250 characters of
//     a-z, 0-9 and single hyphens, starting with a letter);
//   - property names (the first path component) outside a-z, 0-9, '_';
//     empty or over-long keys;
//   - timestamps that are not real instants (t'2021-02-30T00:00:00Z');
//     a leap second ":60" is accepted, as in RFC 3339 and the grammar;
//   - binary literals that are not base64, hex literals of odd length;
//   - integers outside int64, list indexes outside int;
//   - MATCHES regular expressions that Go's regexp does not compile;
//   - ISSUBSET / ISSUPERSET with a string that is not an IP or CIDR;
//   - WITHIN and REPEATS with a zero count, STOP before START (START
//     equal to STOP, an empty window, is accepted: the specification
//     does not forbid it);
//   - a qualifier type applied twice to one observation expression
//     without parentheses (section 9.5.1);
//   - IN sets whose members do not share one type (integers and floats
//     are both numbers);
//   - values of ipv4-addr:value, ipv6-addr:value, url:value,
//     email-addr:value and windows-registry-key:key, compared with "=",
//     "!=", IN, ISSUBSET or ISSUPERSET, that no object could hold
//     (CheckValue, the rule the stix package applies to objects).
//
// Where this package follows the specification over the grammar, the
// code says so in a comment.
//
// Every error is an *Error with a 1-based line and rune column; errors
// caused by Limits also wrap ErrTooLong or ErrTooDeep.
//
// # Hostile input
//
// Work is linear in the length of the pattern. The length is checked
// before scanning (Limits.MaxLength, default 64 KiB) and bracket nesting
// is counted as it is parsed (Limits.MaxDepth, default 64), so 10 000
// nested parentheses fail at the 65th. Binary operators are parsed in
// loops, so long flat chains do not grow the stack. MATCHES expressions
// are compiled with Go's regexp package, an RE2 engine whose matching
// time is linear in the input; the classic catastrophic pattern
// "(a+)+$" is therefore valid and harmless, and is accepted. Constructs
// only a backtracking engine supports (back-references, look-around) are
// rejected as invalid regular expressions.
//
// # Observables
//
// Pattern.Observables lists the typed values (IP addresses and CIDRs,
// domain names, URLs, e-mail addresses, file hashes) that a pattern
// references positively, and Classify normalises a user's lookup value
// the same way, so the two meet in an index.
//
// # Concurrency
//
// Parse and Classify are safe for concurrent use. A *Pattern is
// immutable after Parse returns and may be shared between goroutines
// as long as no caller modifies its AST.
package pattern
