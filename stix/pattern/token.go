package pattern

// tokenKind classifies a lexical token.
type tokenKind uint8

const (
	tokEOF       tokenKind = iota
	tokIdent               // identifier, possibly with hyphens (object types)
	tokInt                 // signed or unsigned integer literal
	tokFloat               // signed or unsigned float literal
	tokString              // '...'
	tokBinary              // b'...'
	tokHex                 // h'...'
	tokTimestamp           // t'...'
	tokBool                // true / false

	// Keywords.
	tokAnd
	tokOr
	tokNot
	tokFollowedBy
	tokLike
	tokMatches
	tokIsSuperset
	tokIsSubset
	tokExists
	tokLast
	tokIn
	tokStart
	tokStop
	tokSeconds
	tokWithin
	tokRepeats
	tokTimes

	// Punctuation and operators.
	tokEq     // = or ==
	tokNeq    // != or <>
	tokLt     // <
	tokLe     // <=
	tokGt     // >
	tokGe     // >=
	tokColon  // :
	tokDot    // .
	tokComma  // ,
	tokLParen // (
	tokRParen // )
	tokLBrack // [
	tokRBrack // ]
	tokStar   // *
)

// keywords maps reserved words to their token kinds. Keywords are
// case-sensitive, as in the grammar: "and" is an identifier.
var keywords = map[string]tokenKind{
	"AND":        tokAnd,
	"OR":         tokOr,
	"NOT":        tokNot,
	"FOLLOWEDBY": tokFollowedBy,
	"LIKE":       tokLike,
	"MATCHES":    tokMatches,
	"ISSUPERSET": tokIsSuperset,
	"ISSUBSET":   tokIsSubset,
	"EXISTS":     tokExists,
	"LAST":       tokLast,
	"IN":         tokIn,
	"START":      tokStart,
	"STOP":       tokStop,
	"SECONDS":    tokSeconds,
	"WITHIN":     tokWithin,
	"REPEATS":    tokRepeats,
	"TIMES":      tokTimes,
	"true":       tokBool,
	"false":      tokBool,
}

var tokenNames = [...]string{
	tokEOF:        "end of pattern",
	tokIdent:      "identifier",
	tokInt:        "integer",
	tokFloat:      "float",
	tokString:     "string",
	tokBinary:     "binary literal",
	tokHex:        "hex literal",
	tokTimestamp:  "timestamp",
	tokBool:       "boolean",
	tokAnd:        "AND",
	tokOr:         "OR",
	tokNot:        "NOT",
	tokFollowedBy: "FOLLOWEDBY",
	tokLike:       "LIKE",
	tokMatches:    "MATCHES",
	tokIsSuperset: "ISSUPERSET",
	tokIsSubset:   "ISSUBSET",
	tokExists:     "EXISTS",
	tokLast:       "LAST",
	tokIn:         "IN",
	tokStart:      "START",
	tokStop:       "STOP",
	tokSeconds:    "SECONDS",
	tokWithin:     "WITHIN",
	tokRepeats:    "REPEATS",
	tokTimes:      "TIMES",
	tokEq:         "'='",
	tokNeq:        "'!='",
	tokLt:         "'<'",
	tokLe:         "'<='",
	tokGt:         "'>'",
	tokGe:         "'>='",
	tokColon:      "':'",
	tokDot:        "'.'",
	tokComma:      "','",
	tokLParen:     "'('",
	tokRParen:     "')'",
	tokLBrack:     "'['",
	tokRBrack:     "']'",
	tokStar:       "'*'",
}

func (k tokenKind) String() string {
	if int(k) < len(tokenNames) {
		return tokenNames[k]
	}
	return "unknown token"
}

// token is one lexeme. text is the exact source slice; for string-like
// literals val holds the decoded body (escapes resolved, quotes removed).
type token struct {
	kind tokenKind
	pos  Pos
	text string
	val  string
}
