package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// lexer splits a pattern into tokens on demand. It tracks line and rune
// column so every token and error carries a full position. Lines are
// counted at '\n'.
type lexer struct {
	src  string
	off  int // byte offset of the next unread byte
	line int
	col  int // rune column of off, 1-based
}

func newLexer(src string) lexer {
	return lexer{src: src, line: 1, col: 1}
}

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Column: l.col} }

// advance moves to byte offset end, updating line and column. Column
// counts runes: every byte that is not a UTF-8 continuation byte starts
// a rune.
func (l *lexer) advance(end int) {
	for i := l.off; i < end; i++ {
		switch c := l.src[i]; {
		case c == '\n':
			l.line++
			l.col = 1
		case c&0xC0 != 0x80:
			l.col++
		}
	}
	l.off = end
}

// errAt is an error at byte offset off, which must not precede l.off.
func (l *lexer) errAt(off int, format string, args ...any) *Error {
	l.advance(off)
	return newError(l.pos(), format, args...)
}

// next returns the next token.
func (l *lexer) next() (token, *Error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.pos()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	s, i := l.src, l.off
	c := s[i]
	var (
		kind tokenKind
		end  = i + 1
		val  string
		err  *Error
	)
	switch {
	case isIdentStart(c):
		if i+1 < len(s) && s[i+1] == '\'' && (c == 'b' || c == 'h' || c == 't') {
			return l.prefixedLiteral(c)
		}
		for end < len(s) && isIdentPart(s[end]) {
			end++
		}
		kind = tokIdent
		if k, ok := keywords[s[i:end]]; ok {
			kind = k
		}
	case c == '\'':
		val, end, err = l.scanString(i)
		if err != nil {
			return token{}, err
		}
		kind = tokString
	case isDigit(c) || c == '+' || c == '-' || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
		kind, end, err = l.scanNumber(i)
		if err != nil {
			return token{}, err
		}
	default:
		kind, end, err = l.scanPunct(i)
		if err != nil {
			return token{}, err
		}
	}
	text := s[i:end]
	l.advance(end)
	if kind != tokString {
		val = text
	}
	return token{kind: kind, pos: start, text: text, val: val}, nil
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() *Error {
	s := l.src
	for l.off < len(s) {
		c := s[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			l.advance(l.off + 1)
		case c == '/' && l.off+1 < len(s) && s[l.off+1] == '*':
			n := strings.Index(s[l.off+2:], "*/")
			if n < 0 {
				return l.errAt(l.off, "unterminated comment")
			}
			l.advance(l.off + 2 + n + 2)
		case c == '/' && l.off+1 < len(s) && s[l.off+1] == '/':
			n := strings.IndexAny(s[l.off:], "\r\n")
			if n < 0 {
				n = len(s) - l.off
			}
			l.advance(l.off + n)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[l.off:])
			if !isUnicodeSpace(r) {
				return nil
			}
			l.advance(l.off + size)
		default:
			return nil
		}
	}
	return nil
}

// isUnicodeSpace reports the non-ASCII white space of the grammar's WS rule.
func isUnicodeSpace(r rune) bool {
	switch r {
	case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// isIdentPart accepts the hyphen: the lexer reads the grammar's
// IdentifierWithHyphen, and the parser rejects hyphens where only
// IdentifierWithoutHyphen is allowed.
func isIdentPart(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '-'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanString scans a quoted string starting at the quote at i and returns
// its decoded body and the offset after the closing quote. The only escapes
// are \' and \\ (StringLiteral in the grammar).
func (l *lexer) scanString(i int) (string, int, *Error) {
	s := l.src
	j := i + 1
	esc := false
	for ; j < len(s); j++ {
		switch s[j] {
		case '\'':
			if !esc {
				return s[i+1 : j], j + 1, nil
			}
			body, end := unescape(s, i+1)
			return body, end, nil
		case '\\':
			if j+1 >= len(s) {
				return "", 0, l.errAt(i, "unterminated string")
			}
			if n := s[j+1]; n != '\'' && n != '\\' {
				return "", 0, l.errAt(j, "invalid escape \\%c in string (only \\' and \\\\ are allowed)", n)
			}
			esc = true
			j++
		}
	}
	return "", 0, l.errAt(i, "unterminated string")
}

// unescape decodes a string body known to be well-formed, starting at
// from, up to its closing quote.
func unescape(s string, from int) (string, int) {
	var b strings.Builder
	j := from
	for s[j] != '\'' {
		if s[j] == '\\' {
			j++
		}
		b.WriteByte(s[j])
		j++
	}
	return b.String(), j + 1
}

// scanNumber scans IntPosLiteral, IntNegLiteral, FloatPosLiteral or
// FloatNegLiteral at i.
func (l *lexer) scanNumber(i int) (tokenKind, int, *Error) {
	s := l.src
	j := i
	if s[j] == '+' || s[j] == '-' {
		j++
	}
	d := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return tokFloat, j, nil
	}
	switch {
	case j == d:
		return 0, 0, l.errAt(i, "expected a number after %q", s[i])
	case s[d] == '0' && j-d > 1:
		return 0, 0, l.errAt(i, "integer %q has a leading zero", snippet(s[i:j]))
	}
	return tokInt, j, nil
}

// scanPunct scans an operator or punctuation at i.
func (l *lexer) scanPunct(i int) (tokenKind, int, *Error) {
	s := l.src
	c := s[i]
	var n byte
	if i+1 < len(s) {
		n = s[i+1]
	}
	switch c {
	case '=':
		if n == '=' {
			return tokEq, i + 2, nil
		}
		return tokEq, i + 1, nil
	case '!':
		if n == '=' {
			return tokNeq, i + 2, nil
		}
	case '<':
		switch n {
		case '=':
			return tokLe, i + 2, nil
		case '>':
			return tokNeq, i + 2, nil
		}
		return tokLt, i + 1, nil
	case '>':
		if n == '=' {
			return tokGe, i + 2, nil
		}
		return tokGt, i + 1, nil
	case ':':
		return tokColon, i + 1, nil
	case '.':
		return tokDot, i + 1, nil
	case ',':
		return tokComma, i + 1, nil
	case '(':
		return tokLParen, i + 1, nil
	case ')':
		return tokRParen, i + 1, nil
	case '[':
		return tokLBrack, i + 1, nil
	case ']':
		return tokRBrack, i + 1, nil
	case '*':
		return tokStar, i + 1, nil
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		return 0, 0, l.errAt(i, "invalid UTF-8")
	}
	return 0, 0, l.errAt(i, "unexpected character %q", r)
}

// prefixedLiteral scans b'…', h'…' or t'…' and validates its body. The
// token's val is the body.
func (l *lexer) prefixedLiteral(prefix byte) (token, *Error) {
	s := l.src
	i := l.off
	body := i + 2
	end := strings.IndexByte(s[body:], '\'')
	if end < 0 {
		return token{}, l.errAt(i, "unterminated %c'' literal", prefix)
	}
	end += body
	val := s[body:end]
	var kind tokenKind
	switch prefix {
	case 'b':
		kind = tokBinary
		if err := checkBase64(val); err != "" {
			return token{}, l.errAt(i, "invalid binary literal: %s", err)
		}
	case 'h':
		kind = tokHex
		if len(val)%2 != 0 {
			return token{}, l.errAt(i, "invalid hex literal: odd number of digits")
		}
		for k := 0; k < len(val); k++ {
			if !isHex(val[k]) {
				return token{}, l.errAt(body+k, "invalid hex literal: %q is not a hex digit", val[k])
			}
		}
	case 't':
		kind = tokTimestamp
		if _, err := parseTimestamp(val); err != "" {
			return token{}, l.errAt(i, "invalid timestamp: %s", err)
		}
	}
	start := l.pos()
	l.advance(end + 1)
	return token{kind: kind, pos: start, text: s[i : end+1], val: val}, nil
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// checkBase64 applies the grammar's BinaryLiteral rule: one or more groups
// of four base64 characters, the last of which may end in "=" or "==".
func checkBase64(v string) string {
	if v == "" {
		return "empty (the grammar requires at least one 4-character group)"
	}
	if len(v)%4 != 0 {
		return "length is not a multiple of 4"
	}
	pad := 0
	if strings.HasSuffix(v, "==") {
		pad = 2
	} else if strings.HasSuffix(v, "=") {
		pad = 1
	}
	for k := 0; k < len(v)-pad; k++ {
		c := v[k]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/') {
			return "invalid base64 character " + strconvQuoteByte(c)
		}
	}
	return ""
}

func strconvQuoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "0x" + hex.EncodeToString([]byte{c})
}

// decodeBinary decodes a body accepted by checkBase64. The grammar does not
// require the unused bits of the last group to be zero, so neither do we.
func decodeBinary(v string) []byte {
	b, _ := base64.StdEncoding.DecodeString(v)
	return b
}

// parseTimestamp applies the grammar's TimestampLiteral rule and then
// checks that the date exists (the grammar accepts February 30).
// Following RFC 3339 and the grammar, a leap second (":60") is accepted
// and resolves to the first instant of the next minute.
func parseTimestamp(v string) (time.Time, string) {
	// YYYY-MM-DDTHH:MM:SS[.frac]Z
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(v) < len(layout)+1 || v[len(v)-1] != 'Z' {
		return time.Time{}, "want YYYY-MM-DDTHH:MM:SS[.s+]Z"
	}
	for k := 0; k < len(layout); k++ {
		if layout[k] == 'd' {
			if !isDigit(v[k]) {
				return time.Time{}, "want YYYY-MM-DDTHH:MM:SS[.s+]Z"
			}
		} else if v[k] != layout[k] {
			return time.Time{}, "want YYYY-MM-DDTHH:MM:SS[.s+]Z"
		}
	}
	frac := v[len(layout) : len(v)-1]
	if frac != "" {
		if frac[0] != '.' || len(frac) < 2 {
			return time.Time{}, "want YYYY-MM-DDTHH:MM:SS[.s+]Z"
		}
		for k := 1; k < len(frac); k++ {
			if !isDigit(frac[k]) {
				return time.Time{}, "want YYYY-MM-DDTHH:MM:SS[.s+]Z"
			}
		}
	}
	leap := v[17:19] == "60"
	norm := v
	if leap {
		norm = v[:17] + "59" + v[19:]
	}
	t, err := time.Parse(time.RFC3339Nano, norm)
	if err != nil {
		return time.Time{}, "no such date or time"
	}
	if leap {
		t = t.Truncate(time.Second).Add(time.Second)
	}
	return t.UTC(), ""
}
