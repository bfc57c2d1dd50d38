package pattern

import (
	"errors"
	"strings"
	"testing"
)

// TestParseValid covers every production of STIXPattern.g4. want is the
// canonical rendering, which shows how the input was grouped.
func TestParseValid(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// pattern / observationExpressionSimple
		{"simple", "[domain-name:value = 'x']", "[domain-name:value = 'x']"},
		{"no spaces", "[domain-name:value='x']", "[domain-name:value = 'x']"},
		{"spaces inside brackets", "[ ipv4-addr:value = '10.0.0.0' ]", "[ipv4-addr:value = '10.0.0.0']"},
		{"double equals", "[file:size == 1]", "[file:size = 1]"},

		// observation operators and their precedence: AND > OR > FOLLOWEDBY
		{"obs AND", "[a-b:c = 1] AND [d-e:f = 2]", "[a-b:c = 1] AND [d-e:f = 2]"},
		{"obs OR", "[a-b:c = 1] OR [d-e:f = 2]", "[a-b:c = 1] OR [d-e:f = 2]"},
		{"obs FOLLOWEDBY", "[a-b:c = 1] FOLLOWEDBY [d-e:f = 2]", "[a-b:c = 1] FOLLOWEDBY [d-e:f = 2]"},
		{"AND binds tighter than OR", "[aaa:x = 1] OR [bbb:x = 2] AND [ccc:x = 3]", "[aaa:x = 1] OR [bbb:x = 2] AND [ccc:x = 3]"},
		{"OR under AND needs parens", "([aaa:x = 1] OR [bbb:x = 2]) AND [ccc:x = 3]", "([aaa:x = 1] OR [bbb:x = 2]) AND [ccc:x = 3]"},
		{"OR binds tighter than FOLLOWEDBY", "[aaa:x = 1] FOLLOWEDBY [bbb:x = 2] OR [ccc:x = 3]", "[aaa:x = 1] FOLLOWEDBY [bbb:x = 2] OR [ccc:x = 3]"},
		{"FOLLOWEDBY under OR", "([aaa:x = 1] FOLLOWEDBY [bbb:x = 2]) OR [ccc:x = 3]", "([aaa:x = 1] FOLLOWEDBY [bbb:x = 2]) OR [ccc:x = 3]"},
		{"left associative", "[aaa:x = 1] AND [bbb:x = 2] AND [ccc:x = 3]", "[aaa:x = 1] AND [bbb:x = 2] AND [ccc:x = 3]"},
		{"right grouping kept", "[aaa:x = 1] AND ([bbb:x = 2] AND [ccc:x = 3])", "[aaa:x = 1] AND ([bbb:x = 2] AND [ccc:x = 3])"},
		{"redundant parens dropped", "(([aaa:x = 1]))", "[aaa:x = 1]"},

		// qualifiers
		{"WITHIN int", "[aaa:x = 1] WITHIN 5 SECONDS", "[aaa:x = 1] WITHIN 5 SECONDS"},
		{"WITHIN float", "[aaa:x = 1] WITHIN 0.5 SECONDS", "[aaa:x = 1] WITHIN 0.5 SECONDS"},
		{"WITHIN plus", "[aaa:x = 1] WITHIN +5 SECONDS", "[aaa:x = 1] WITHIN +5 SECONDS"},
		{"REPEATS", "[aaa:x = 1] REPEATS 3 TIMES", "[aaa:x = 1] REPEATS 3 TIMES"},
		{"START STOP", "[aaa:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
			"[aaa:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'"},
		{"stacked qualifiers", "[aaa:x = 1] REPEATS 5 TIMES WITHIN 1800 SECONDS", "[aaa:x = 1] REPEATS 5 TIMES WITHIN 1800 SECONDS"},
		{"qualifier on group", "([aaa:x = 1] FOLLOWEDBY [bbb:x = 2]) WITHIN 300 SECONDS", "([aaa:x = 1] FOLLOWEDBY [bbb:x = 2]) WITHIN 300 SECONDS"},
		{"qualifier binds to right operand", "[aaa:x = 1] AND [bbb:x = 2] WITHIN 3 SECONDS", "[aaa:x = 1] AND [bbb:x = 2] WITHIN 3 SECONDS"},

		// comparison expressions: AND > OR, parentheses
		{"cmp AND", "[file:a = 1 AND file:b = 2]", "[file:a = 1 AND file:b = 2]"},
		{"cmp OR", "[file:a = 1 OR file:b = 2]", "[file:a = 1 OR file:b = 2]"},
		{"cmp precedence", "[file:a = 1 OR file:b = 2 AND file:c = 3]", "[file:a = 1 OR file:b = 2 AND file:c = 3]"},
		{"cmp parens", "[(file:a = 1 OR file:b = 2) AND file:c = 3]", "[(file:a = 1 OR file:b = 2) AND file:c = 3]"},
		{"cmp redundant parens", "[((file:a = 1))]", "[file:a = 1]"},

		// every operator, plain and negated
		{"!=", "[file:a != 1]", "[file:a != 1]"},
		{"<>", "[file:a <> 1]", "[file:a != 1]"},
		{"NOT =", "[file:a NOT = 1]", "[file:a NOT = 1]"},
		{"<", "[file:a < 1]", "[file:a < 1]"},
		{"<=", "[file:a <= 1]", "[file:a <= 1]"},
		{">", "[file:a > 1]", "[file:a > 1]"},
		{">=", "[file:a >= 1]", "[file:a >= 1]"},
		{"NOT >", "[file:a NOT > 1]", "[file:a NOT > 1]"},
		{"IN", "[file:a IN ('a', 'b', 'c')]", "[file:a IN ('a', 'b', 'c')]"},
		{"IN numbers", "[file:a IN (1, 2.5, -3)]", "[file:a IN (1, 2.5, -3)]"},
		{"IN empty", "[file:a IN ()]", "[file:a IN ()]"},
		{"NOT IN", "[file:a NOT IN ('x')]", "[file:a NOT IN ('x')]"},
		{"LIKE", "[file:name LIKE '%.exe']", "[file:name LIKE '%.exe']"},
		{"NOT LIKE", "[file:name NOT LIKE 'a_c']", "[file:name NOT LIKE 'a_c']"},
		{"MATCHES", "[file:name MATCHES '^a.*z$']", "[file:name MATCHES '^a.*z$']"},
		{"NOT MATCHES", "[file:name NOT MATCHES 'x']", "[file:name NOT MATCHES 'x']"},
		{"ISSUBSET", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']"},
		{"ISSUPERSET", "[ipv4-addr:value ISSUPERSET '198.51.100.7']", "[ipv4-addr:value ISSUPERSET '198.51.100.7']"},
		{"NOT ISSUBSET", "[ipv6-addr:value NOT ISSUBSET '2001:db8::/32']", "[ipv6-addr:value NOT ISSUBSET '2001:db8::/32']"},
		{"EXISTS", "[EXISTS file:name]", "[EXISTS file:name]"},
		{"NOT EXISTS", "[NOT EXISTS file:name]", "[NOT EXISTS file:name]"},
		{"EXISTS combined", "[file:a = 1 AND NOT EXISTS file:b]", "[file:a = 1 AND NOT EXISTS file:b]"},

		// object paths
		{"dotted", "[email-message:from_ref.value = 'a']", "[email-message:from_ref.value = 'a']"},
		{"quoted key", "[file:hashes.'SHA-256' = 'a']", "[file:hashes.'SHA-256' = 'a']"},
		{"quoted first", "[file:'name' = 'a']", "[file:'name' = 'a']"},
		{"index", "[network-traffic:protocols[0] = 'tcp']", "[network-traffic:protocols[0] = 'tcp']"},
		{"negative index", "[network-traffic:protocols[-1] = 'tcp']", "[network-traffic:protocols[-1] = 'tcp']"},
		{"any index", "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]"},
		{"index then key", "[email-message:to_refs[*].value = 'a@b.c']", "[email-message:to_refs[*].value = 'a@b.c']"},
		{"quoted key with quote", `[x-foo:dict.'it\'s' = 1]`, `[x-foo:dict.'it\'s' = 1]`},
		{"object type with trailing hyphen", "[x-foo-:abc = 1]", "[x-foo-:abc = 1]"},
		{"short predefined property", "[configuration-profile:id = 'x']", "[configuration-profile:id = 'x']"},

		// literals
		{"int zero", "[file:a = 0]", "[file:a = 0]"},
		{"int negative", "[file:a = -12]", "[file:a = -12]"},
		{"int plus", "[file:a = +12]", "[file:a = +12]"},
		{"float", "[file:a = 1.5]", "[file:a = 1.5]"},
		{"float no int part", "[file:a = .5]", "[file:a = .5]"},
		{"float negative", "[file:a = -0.5]", "[file:a = -0.5]"},
		{"float leading zeros", "[file:a = 007.5]", "[file:a = 007.5]"},
		{"string escapes", `[file:a = 'a\'b\\c']`, `[file:a = 'a\'b\\c']`},
		{"string empty", "[file:a = '']", "[file:a = '']"},
		{"string unicode", "[file:a = 'żółw 🐢']", "[file:a = 'żółw 🐢']"},
		{"string newline", "[file:a = 'a\nb']", "[file:a = 'a\nb']"},
		{"bool true", "[file:a = true]", "[file:a = true]"},
		{"bool false", "[file:a != false]", "[file:a != false]"},
		{"binary", "[file:a = b'QUJD']", "[file:a = b'QUJD']"},
		{"binary pad 1", "[file:a = b'QUI=']", "[file:a = b'QUI=']"},
		{"binary pad 2", "[file:a = b'QQ==']", "[file:a = b'QQ==']"},
		{"hex", "[file:magic_number_hex = h'ffD8']", "[file:magic_number_hex = h'ffD8']"},
		{"hex empty", "[file:a = h'']", "[file:a = h'']"},
		{"timestamp", "[file:created = t'2014-01-13T07:03:17Z']", "[file:created = t'2014-01-13T07:03:17Z']"},
		{"timestamp fraction", "[file:created > t'2014-01-13T07:03:17.123456789012Z']", "[file:created > t'2014-01-13T07:03:17.123456789012Z']"},
		{"timestamp leap second", "[file:created = t'2016-12-31T23:59:60Z']", "[file:created = t'2016-12-31T23:59:60Z']"},
		{"timestamp leap day", "[file:created = t'2020-02-29T00:00:00Z']", "[file:created = t'2020-02-29T00:00:00Z']"},
		{"binary orderable", "[file:a < b'QUJD']", "[file:a < b'QUJD']"},

		// lexical details
		{"block comment", "/* c */ [file:a /* in */ = 1] /* end */", "[file:a = 1]"},
		{"line comment", "[file:a = 1] // trailing", "[file:a = 1]"},
		{"multi-line", "[file:a = 1]\n\tAND\r\n[file:b = 2]", "[file:a = 1] AND [file:b = 2]"},
		{"unicode space", "[file:a\u00a0=\u3000 1]", "[file:a = 1]"},
		{"keyword-prefixed identifier", "[file:hashes.ANDROID = 'x']", "[file:hashes.ANDROID = 'x']"},
		{"lower-case keyword is an identifier", "[file:and = 1]", "[file:and = 1]"},
		{"identifier b not a literal", "[file:b = 1]", "[file:b = 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			if p.Source != tt.in {
				t.Errorf("Source = %q, want %q", p.Source, tt.in)
			}
		})
	}
}

// TestParseInvalid checks that invalid patterns fail at the right place.
func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		msg       string
	}{
		// structure
		{"empty", "", 1, 1, "expected '[' or '('"},
		{"only space", "  \n ", 2, 2, "expected '[' or '('"},
		{"bare comparison", "file:a = 1", 1, 1, "expected '[' or '('"},
		{"unclosed bracket", "[file:a = 1", 1, 12, "expected ']'"},
		{"unclosed paren", "([file:a = 1]", 1, 14, "expected ')'"},
		{"empty brackets", "[]", 1, 2, "expected an object path"},
		{"trailing garbage", "[file:a = 1] x", 1, 14, "end of the pattern"},
		{"dangling AND", "[file:a = 1] AND", 1, 17, "expected '[' or '('"},
		{"dangling cmp OR", "[file:a = 1 OR]", 1, 15, "expected an object path"},
		{"FOLLOWEDBY inside brackets", "[file:a = 1 FOLLOWEDBY file:b = 2]", 1, 13, "expected ']'"},
		{"NOT before observation", "NOT [file:a = 1]", 1, 1, "expected '[' or '('"},
		{"two comparisons", "[file:a = 1 file:b = 2]", 1, 13, "expected ']'"},
		{"unclosed cmp paren", "[(file:a = 1]", 1, 13, "expected ')'"},

		// operators and operands
		{"missing operator", "[file:a 1]", 1, 9, "expected a comparison operator"},
		{"bang alone", "[file:a ! 1]", 1, 9, "unexpected character '!'"},
		{"NOT NOT", "[file:a NOT NOT = 1]", 1, 13, "expected a comparison operator"},
		{"NOT EXISTS misplaced", "[file:a NOT EXISTS]", 1, 13, "expected a comparison operator"},
		{"EXISTS without path", "[EXISTS]", 1, 8, "expected an object path"},
		{"NOT without EXISTS", "[NOT file:a = 1]", 1, 6, "expected EXISTS"},
		{"bool ordered", "[file:a > true]", 1, 11, "orderable literal"},
		{"LIKE int", "[file:a LIKE 1]", 1, 14, "string literal after LIKE"},
		{"MATCHES bool", "[file:a MATCHES true]", 1, 17, "string literal after MATCHES"},
		{"ISSUBSET int", "[file:a ISSUBSET 1]", 1, 18, "string literal after ISSUBSET"},
		{"ISSUPERSET hex", "[file:a ISSUPERSET h'00']", 1, 20, "string literal after ISSUPERSET"},
		{"IN without parens", "[file:a IN 'x']", 1, 12, "expected '('"},
		{"IN trailing comma", "[file:a IN ('x',)]", 1, 17, "expected a literal"},
		{"IN missing comma", "[file:a IN ('x' 'y')]", 1, 17, "expected ')'"},
		{"IN nested set", "[file:a IN (('x'))]", 1, 13, "expected a literal"},
		{"missing value", "[file:a = ]", 1, 11, "expected a literal"},
		{"path as value", "[file:a = file:b]", 1, 11, "expected a literal"},

		// object paths
		{"missing colon", "[file = 1]", 1, 7, "expected ':'"},
		{"missing property", "[file: = 1]", 1, 8, "expected a property name"},
		{"hyphenated property", "[file:some-name = 1]", 1, 7, "must be quoted"},
		{"hyphenated key", "[file:hashes.SHA-256 = 'x']", 1, 14, "must be quoted"},
		{"keyword property", "[file:AND = 1]", 1, 7, "expected a property name"},
		{"upper-case type", "[File:name = 1]", 1, 2, "invalid object type"},
		{"short type", "[ab:name = 1]", 1, 2, "invalid object type"},
		{"type starting with digit", "[1ab:name = 1]", 1, 2, "expected an object path"},
		{"type starting with underscore", "[_abc:name = 1]", 1, 2, "invalid object type"},
		{"type with underscore", "[ab_c:name = 1]", 1, 2, "invalid object type"},
		{"type double hyphen", "[x--y:name = 1]", 1, 2, "invalid object type"},
		{"type too long", "[" + strings.Repeat("a", 251) + ":name = 1]", 1, 2, "invalid object type"},
		{"upper-case property", "[file:Name = 1]", 1, 7, "invalid property name"},
		{"quoted bad property", "[file:'na me' = 1]", 1, 7, "invalid property name"},
		{"empty quoted key", "[file:hashes.'' = 1]", 1, 14, "must be 1-250"},
		{"key too long", "[file:x." + strings.Repeat("k", 251) + " = 1]", 1, 9, "must be 1-250"},
		{"index string", "[file:a['x'] = 1]", 1, 9, "expected a list index"},
		{"index float", "[file:a[1.5] = 1]", 1, 9, "expected a list index"},
		{"index unclosed", "[file:a[1 = 1]", 1, 11, "expected ']'"},
		{"index overflow", "[file:a[99999999999999999999] = 1]", 1, 9, "out of range"},
		{"trailing dot", "[file:a. = 1]", 1, 10, "expected a property name"},

		// literals
		{"leading zero", "[file:a = 01]", 1, 11, "leading zero"},
		{"lone minus", "[file:a = -]", 1, 11, "expected a number"},
		{"float without fraction", "[file:a = 1.]", 1, 12, "expected ']'"},
		{"int overflow", "[file:a = 9223372036854775808]", 1, 11, "out of range"},
		{"unterminated string", "[file:a = 'abc]", 1, 11, "unterminated string"},
		{"trailing backslash", `[file:a = 'abc\`, 1, 11, "unterminated string"},
		{"bad escape", `[file:a = 'a\nb']`, 1, 13, `invalid escape \n`},
		{"double-quoted string", `[file:a = "x"]`, 1, 11, "unexpected character"},
		{"binary empty", "[file:a = b'']", 1, 11, "invalid binary literal: empty"},
		{"binary short", "[file:a = b'QUJ']", 1, 11, "multiple of 4"},
		{"binary bad char", "[file:a = b'QU-D']", 1, 11, "invalid base64 character '-'"},
		{"binary bad padding", "[file:a = b'Q===']", 1, 11, "invalid base64 character '='"},
		{"binary unterminated", "[file:a = b'QUJD]", 1, 11, "unterminated b'' literal"},
		{"hex odd", "[file:a = h'abc']", 1, 11, "odd number"},
		{"hex bad digit", "[file:a = h'zz']", 1, 13, "not a hex digit"},
		{"timestamp no Z", "[file:a = t'2014-01-13T07:03:17']", 1, 11, "invalid timestamp"},
		{"timestamp offset", "[file:a = t'2014-01-13T07:03:17+01:00']", 1, 11, "invalid timestamp"},
		{"timestamp date only", "[file:a = t'2014-01-13']", 1, 11, "invalid timestamp"},
		{"timestamp empty fraction", "[file:a = t'2014-01-13T07:03:17.Z']", 1, 11, "invalid timestamp"},
		{"timestamp Feb 30", "[file:a = t'2021-02-30T00:00:00Z']", 1, 11, "no such date"},
		{"timestamp Feb 29 non-leap", "[file:a = t'2021-02-29T00:00:00Z']", 1, 11, "no such date"},
		{"timestamp month 13", "[file:a = t'2021-13-01T00:00:00Z']", 1, 11, "no such date"},
		{"timestamp hour 24", "[file:a = t'2021-01-01T24:00:00Z']", 1, 11, "no such date"},
		{"timestamp second 61", "[file:a = t'2021-01-01T00:00:61Z']", 1, 11, "no such date"},
		{"timestamp lower-case t", "[file:a = t'2021-01-01t00:00:00Z']", 1, 11, "invalid timestamp"},
		{"bool upper-case", "[file:a = TRUE]", 1, 11, "expected a literal"},

		// qualifiers
		{"WITHIN zero", "[file:a = 1] WITHIN 0 SECONDS", 1, 21, "positive"},
		{"WITHIN zero float", "[file:a = 1] WITHIN 0.0 SECONDS", 1, 21, "positive"},
		{"WITHIN negative", "[file:a = 1] WITHIN -5 SECONDS", 1, 21, "positive"},
		{"WITHIN string", "[file:a = 1] WITHIN '5' SECONDS", 1, 21, "expected a number of seconds"},
		{"WITHIN no unit", "[file:a = 1] WITHIN 5", 1, 22, "expected SECONDS"},
		{"WITHIN minutes", "[file:a = 1] WITHIN 5 MINUTES", 1, 23, "expected SECONDS"},
		{"REPEATS zero", "[file:a = 1] REPEATS 0 TIMES", 1, 22, "positive"},
		{"REPEATS float", "[file:a = 1] REPEATS 1.5 TIMES", 1, 22, "expected a number of times"},
		{"REPEATS no TIMES", "[file:a = 1] REPEATS 2", 1, 23, "expected TIMES"},
		{"START without STOP", "[file:a = 1] START t'2016-06-01T00:00:00Z'", 1, 43, "expected STOP"},
		{"START string", "[file:a = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 1, 20, "expected a timestamp"},
		{"STOP before START", "[file:a = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 1, 49, "is before START"},
		{"qualifier first", "WITHIN 5 SECONDS [file:a = 1]", 1, 1, "expected '[' or '('"},
		{"qualifier inside brackets", "[file:a = 1 WITHIN 5 SECONDS]", 1, 13, "expected ']'"},
		{"LAST reserved", "[file:a = 1] LAST 5 SECONDS", 1, 14, "end of the pattern"},

		// semantic checks
		{"bad regex", "[file:a MATCHES '(']", 1, 17, "invalid MATCHES regular expression"},
		{"backreference", `[file:a MATCHES '(a)\\1']`, 1, 17, "invalid MATCHES regular expression"},
		{"look-ahead", "[file:a MATCHES 'a(?=b)']", 1, 17, "invalid MATCHES regular expression"},
		{"ISSUBSET not a network", "[ipv4-addr:value ISSUBSET 'example.com']", 1, 27, "needs an IP address or CIDR"},
		{"ISSUPERSET bad prefix", "[ipv4-addr:value ISSUPERSET '10.0.0.0/33']", 1, 29, "needs an IP address or CIDR"},

		// lexical errors and positions
		{"invalid character", "[file:a = 1] ^", 1, 14, "unexpected character '^'"},
		{"unterminated comment", "[file:a = 1] /* x", 1, 14, "unterminated comment"},
		{"error on line 3", "[file:a = 1]\nAND\n[file:b 1]", 3, 9, "expected a comparison operator"},
		{"column counts runes", "[file:a = 'żółw' AND file:b 1]", 1, 29, "expected a comparison operator"},
		{"CRLF lines", "[file:a = 1]\r\nAND\r\n[file:b 1]", 3, 9, "expected a comparison operator"},
		{"invalid UTF-8", "[file:a = '\xff']", 1, 12, "invalid UTF-8"},
		{"NUL byte", "[file:a = 1]\x00", 1, 13, "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tt.in, p)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q) error %T, want *Error", tt.in, err)
			}
			if perr.Line != tt.line || perr.Column != tt.col || !strings.Contains(perr.Msg, tt.msg) {
				t.Errorf("Parse(%q) = %v (line %d, column %d), want line %d, column %d, containing %q",
					tt.in, err, perr.Line, perr.Column, tt.line, tt.col, tt.msg)
			}
		})
	}
}

// TestErrorMessagesBounded checks that errors quote at most a snippet of a
// long offending token, so a hostile pattern cannot inflate its error.
func TestErrorMessagesBounded(t *testing.T) {
	long := strings.Repeat("é", 5000)
	tests := []string{
		"[file:a = 1] '" + long + "'",
		"[file:a = 9" + strings.Repeat("9", 5000) + "]",
		"[file:a MATCHES '(" + long + "']",
		"[file:a ISSUBSET '" + long + "']",
		"[file:" + strings.Repeat("x-", 2000) + "x = 1]",
		"[" + strings.Repeat("a", 5000) + ":b = 1]",
		"[file:x." + strings.Repeat("k", 5000) + " = 1]",
	}
	for _, in := range tests {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%.40q…) succeeded, want an error", in)
			continue
		}
		if n := len(err.Error()); n > 200 {
			t.Errorf("error for %.40q… is %d bytes: %.100s…", in, n, err)
		}
	}
}
