package pattern

import (
	"strings"
	"testing"
)

// TestConformance holds the STIX 2.1 rules that the grammar cannot
// express, each with valid and invalid cases and the section it comes
// from. want is "" for a valid pattern, else a fragment of the error.
func TestConformance(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// §9.5.1: each qualifier type at most once per observation
		// expression; parentheses make a new observation expression.
		{"WITHIN twice", "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS", "a WITHIN qualifier already applies"},
		{"REPEATS twice", "[file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES", "a REPEATS qualifier already applies"},
		{"START twice", "[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z' START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'", "a START qualifier already applies"},
		{"REPEATS, WITHIN, REPEATS", "[file:name = 'a'] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES", "a REPEATS qualifier already applies"},
		{"WITHIN twice, parenthesised", "([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS", ""},
		{"REPEATS twice, parenthesised", "([file:name = 'a'] REPEATS 2 TIMES) REPEATS 3 TIMES", ""},
		{"three types once each", "[file:name = 'a'] REPEATS 2 TIMES WITHIN 5 SECONDS START t'2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'", ""},
		{"same type on both operands", "[file:name = 'a'] WITHIN 5 SECONDS AND [file:name = 'b'] WITHIN 5 SECONDS", ""},

		// §9.5: START is inclusive, STOP exclusive; an empty window is
		// not an error the specification states.
		{"START = STOP", "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", ""},
		{"START = STOP, other precision", "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.000Z'", ""},
		{"STOP before START", "[file:name = 'a'] START t'2016-06-01T00:00:00.001Z' STOP t'2016-06-01T00:00:00Z'", "is before START"},

		// §9.7 set operator: the members of a set share one type.
		{"IN strings", "[file:name IN ('a', 'b')]", ""},
		{"IN numbers", "[file:size IN (1, 2.5)]", ""},
		{"IN string and int", "[file:name IN ('a', 1)]", "must all have one type: 1 is of type int"},
		{"IN int and string", "[file:size IN (1, 'a')]", "'a' is of type string"},
		{"IN bool and string", "[file:x_flag IN (true, 'true')]", "one type"},
		{"IN hex and binary", "[file:magic_number_hex IN (h'ff', b'/w==')]", "one type"},
		{"IN timestamps", "[file:ctime IN (t'2016-01-01T00:00:00Z', t'2017-01-01T00:00:00Z')]", ""},

		// §6.4, §6.5: addresses and CIDRs in standard form, in the
		// right family.
		{"ipv4", "[ipv4-addr:value = '198.51.100.1']", ""},
		{"ipv4 CIDR", "[ipv4-addr:value = '198.51.100.0/24']", ""},
		{"ipv4 octet out of range", "[ipv4-addr:value = '999.1.1.1']", "must be an IPv4 address or CIDR"},
		{"ipv4 leading zero", "[ipv4-addr:value = '010.1.1.1']", "IPv4"},
		{"ipv4 prefix too long", "[ipv4-addr:value = '10.0.0.0/33']", "IPv4"},
		{"ipv4 prefix leading zero", "[ipv4-addr:value = '10.0.0.0/01']", "IPv4"},
		{"ipv4 given ipv6", "[ipv4-addr:value = '2001:db8::1']", "not an IPv6 one"},
		{"ipv4 in a set", "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.256')]", "10.0.0.256"},
		{"ipv4 != checked", "[ipv4-addr:value != 'x']", "IPv4"},
		{"ipv4 ISSUBSET family", "[ipv4-addr:value ISSUBSET '2001:db8::/32']", "not an IPv6 one"},
		{"ipv4 LIKE unchecked", "[ipv4-addr:value LIKE '10.%']", ""},
		{"ipv6", "[ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']", ""},
		{"ipv6 prefix too long", "[ipv6-addr:value = '2001:db8::/129']", "IPv6"},
		{"ipv6 prefix leading zero", "[ipv6-addr:value = '2001:db8::/064']", "IPv6"},
		{"ipv6 zone", "[ipv6-addr:value = 'fe80::1%eth0']", "IPv6"},
		{"ipv6 given ipv4", "[ipv6-addr:value = '10.0.0.1']", "not an IPv4 one"},

		// §6.12: url values are RFC 3986 URIs.
		{"url", "[url:value = 'https://example.com/research/index.html']", ""},
		{"url mailto", "[url:value = 'mailto:jdoe@example.com']", ""},
		{"url without scheme", "[url:value = 'example.com/a']", "with a scheme"},
		{"url with space", "[url:value = 'http://example.com/a b']", "no spaces"},
		{"url bad escape", "[url:value = 'http://example.com/%zz']", "RFC 3986"},
		{"url bad port", "[url:value = 'http://example.com:port/']", "RFC 3986"},

		// §6.6: an e-mail address carries no display name.
		{"email", "[email-addr:value = 'jdoe@example.com']", ""},
		{"email display name", "[email-addr:value = 'John Doe <jdoe@example.com>']", "without a display name"},
		{"email angle brackets", "[email-addr:value = '<jdoe@example.com>']", "without a display name"},
		{"email no at", "[email-addr:value = 'jdoe']", "e-mail address"},

		// §6.16: registry keys name their hive in full.
		{"registry key", "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo']", ""},
		{"registry hive only", "[windows-registry-key:key = 'HKEY_USERS']", ""},
		{"registry hive case", "[windows-registry-key:key = 'hkey_current_user\\\\Software']", ""},
		{"registry abbreviated hive", "[windows-registry-key:key = 'HKLM\\\\System\\\\Foo']", "HKLM"},
		{"registry no hive", "[windows-registry-key:key = 'System\\\\Foo']", "full name of a registry hive"},
		{"registry MATCHES unchecked", "[windows-registry-key:key MATCHES '^HKLM']", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.src)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Parse(%q): %v", tt.src, err)
			case tt.want != "" && err == nil:
				t.Fatalf("Parse(%q) succeeded, want an error containing %q", tt.src, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Parse(%q) = %v, want an error containing %q", tt.src, err, tt.want)
			case tt.want == "":
				// The canonical form must parse again to the same text.
				again, err := Parse(p.String())
				if err != nil || again.String() != p.String() {
					t.Fatalf("String() = %q does not round-trip: %v", p.String(), err)
				}
			}
		})
	}
}

// TestPrintRepeatedQualifier checks that the printer keeps the parentheses
// that make a repeated qualifier type valid.
func TestPrintRepeatedQualifier(t *testing.T) {
	for src, want := range map[string]string{
		"([a-b:c = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS":                    "([a-b:c = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
		"(([a-b:c = 1] REPEATS 2 TIMES) WITHIN 5 SECONDS) REPEATS 3 TIMES":   "([a-b:c = 1] REPEATS 2 TIMES WITHIN 5 SECONDS) REPEATS 3 TIMES",
		"(([a-b:c = 1] REPEATS 2 TIMES)) WITHIN 5 SECONDS":                   "[a-b:c = 1] REPEATS 2 TIMES WITHIN 5 SECONDS",
		"(([a-b:c = 1] WITHIN 1 SECONDS) WITHIN 2 SECONDS) WITHIN 3 SECONDS": "(([a-b:c = 1] WITHIN 1 SECONDS) WITHIN 2 SECONDS) WITHIN 3 SECONDS",
	} {
		p, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if got := p.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", src, got, want)
		}
	}
}

// TestCheckValue covers CheckValue directly for the properties the stix
// package validates in objects.
func TestCheckValue(t *testing.T) {
	tests := []struct {
		typ, prop, value string
		ok               bool
	}{
		{"ipv4-addr", "value", "203.0.113.1", true},
		{"ipv4-addr", "value", "203.0.113.0/24", true},
		{"ipv4-addr", "value", "203.0.113.1/32", true},
		{"ipv4-addr", "value", "999.1.1.1", false},
		{"ipv4-addr", "value", "1.2.3.4/33", false},
		{"ipv4-addr", "value", "1.2.3.4/01", false},
		{"ipv4-addr", "value", " 1.2.3.4", false},
		{"ipv4-addr", "value", "::ffff:1.2.3.4", false},
		{"ipv6-addr", "value", "::ffff:1.2.3.4", true},
		{"ipv6-addr", "value", "2001:db8::/32", true},
		{"ipv6-addr", "value", "2001:db8:::1", false},
		{"ipv6-addr", "value", "1.2.3.4", false},
		{"url", "value", "http://example.com", true},
		{"url", "value", "example.com", false},
		{"url", "value", "", false},
		{"url", "value", "http://exa\tmple.com", false},
		{"email-addr", "value", "a@example.com", true},
		{"email-addr", "value", "A <a@example.com>", false},
		{"email-addr", "value", "a@example.com (A)", false},
		{"windows-registry-key", "key", "HKEY_CLASSES_ROOT\\.exe", true},
		{"windows-registry-key", "key", "HKCR\\.exe", false},
		{"windows-registry-key", "key", "", false},
		{"domain-name", "value", "anything at all", true}, // no rule here
		{"ipv4-addr", "x_note", "anything", true},         // no rule here
	}
	for _, tt := range tests {
		err := CheckValue(tt.typ, tt.prop, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("CheckValue(%q, %q, %q) = %v, want ok=%v", tt.typ, tt.prop, tt.value, err, tt.ok)
		}
	}
}
