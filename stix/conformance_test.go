package stix

import (
	"strings"
	"testing"
)

// TestObjectConformance holds the STIX 2.1 object rules on string forms,
// nested timestamps and identifiers, each with valid and invalid cases and
// the section it comes from. pointer is "" for a valid object, else where
// the problem must be reported (with msg in its message).
func TestObjectConformance(t *testing.T) {
	const v5 = "ff26c055-6336-5bc5-b98d-13d6226742dd"
	sco := func(typ, props string) string {
		return `{"type":"` + typ + `","spec_version":"2.1","id":"` + typ + `--` + v5 + `",` + props + `}`
	}
	tests := []struct {
		name, obj, pointer, msg string
	}{
		// §6.4 ipv4-addr, §6.5 ipv6-addr: addresses or CIDRs, standard form.
		{"ipv4", sco("ipv4-addr", `"value":"198.51.100.3"`), "", ""},
		{"ipv4 cidr", sco("ipv4-addr", `"value":"198.51.100.0/24"`), "", ""},
		{"ipv4 999", sco("ipv4-addr", `"value":"999.1.1.1"`), "/objects/0/value", "IPv4 address or CIDR"},
		{"ipv4 /33", sco("ipv4-addr", `"value":"10.0.0.0/33"`), "/objects/0/value", "IPv4"},
		{"ipv4 /01", sco("ipv4-addr", `"value":"10.0.0.0/01"`), "/objects/0/value", "IPv4"},
		{"ipv4 domain", sco("ipv4-addr", `"value":"example.com"`), "/objects/0/value", "IPv4"},
		{"ipv4 holding ipv6", sco("ipv4-addr", `"value":"2001:db8::1"`), "/objects/0/value", "not an IPv6 one"},
		{"ipv6", sco("ipv6-addr", `"value":"2001:0db8:85a3:0000:0000:8a2e:0370:7334"`), "", ""},
		{"ipv6 cidr", sco("ipv6-addr", `"value":"2001:0db8::/96"`), "", ""},
		{"ipv6 /129", sco("ipv6-addr", `"value":"2001:db8::/129"`), "/objects/0/value", "IPv6"},
		{"ipv6 holding ipv4", sco("ipv6-addr", `"value":"198.51.100.3"`), "/objects/0/value", "not an IPv4 one"},

		// §6.12 url: an RFC 3986 URL.
		{"url", sco("url", `"value":"https://example.com/research/index.html"`), "", ""},
		{"url without scheme", sco("url", `"value":"example.com/research"`), "/objects/0/value", "with a scheme"},
		{"url with spaces", sco("url", `"value":"https://example.com/a b"`), "/objects/0/value", "no spaces"},
		{"not a url", sco("url", `"value":"not a url"`), "/objects/0/value", "URL"},

		// §6.6 email-addr: value is the address alone, display_name apart.
		{"email", sco("email-addr", `"value":"john@example.com","display_name":"John Doe"`), "", ""},
		{"email with display name", sco("email-addr", `"value":"John Doe <john@example.com>"`), "/objects/0/value", "without a display name"},
		{"email not an address", sco("email-addr", `"value":"john"`), "/objects/0/value", "e-mail address"},

		// §6.16 windows-registry-key: the hive in full.
		{"registry key", sco("windows-registry-key", `"key":"HKEY_LOCAL_MACHINE\\System\\Foo\\Bar"`), "", ""},
		{"registry HKLM", sco("windows-registry-key", `"key":"HKLM\\System\\Foo\\Bar"`), "/objects/0/key", "HKEY_LOCAL_MACHINE, not HKLM"},
		{"registry HKCU", sco("windows-registry-key", `"key":"HKCU\\Software"`), "/objects/0/key", "hive"},

		// §6.14 software: cpe is a CPE 2.3 formatted string.
		{"cpe", sco("software", `"name":"Word","cpe":"cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*"`), "", ""},
		{"cpe escaped", sco("software", `"name":"X","cpe":"cpe:2.3:a:acme:x\\!y:1.0:-:*:en-us:*:*:*:*"`), "", ""},
		{"cpe 2.2 uri", sco("software", `"name":"Word","cpe":"cpe:/a:microsoft:word:2000"`), "/objects/0/cpe", "CPE 2.3"},
		{"cpe too few parts", sco("software", `"name":"Word","cpe":"cpe:2.3:a:microsoft:word:2000"`), "/objects/0/cpe", "CPE 2.3"},
		{"cpe bad part", sco("software", `"name":"Word","cpe":"cpe:2.3:x:microsoft:word:2000:*:*:*:*:*:*:*"`), "/objects/0/cpe", "CPE 2.3"},
		{"cpe free text", sco("software", `"name":"Word","cpe":"Microsoft Word 2000"`), "/objects/0/cpe", "CPE 2.3"},

		// §6.7 file name_enc, §6.3 directory path_enc: IANA character sets.
		{"name_enc", sco("file", `"name":"a.txt","name_enc":"ISO-8859-1"`), "", ""},
		{"name_enc alias", sco("file", `"name":"a.txt","name_enc":"latin1"`), "", ""},
		{"name_enc case", sco("file", `"name":"a.txt","name_enc":"utf-8"`), "", ""},
		{"name_enc unknown", sco("file", `"name":"a.txt","name_enc":"utf-9"`), "/objects/0/name_enc", "IANA"},
		{"path_enc", sco("directory", `"path":"C:\\Windows","path_enc":"windows-1252"`), "", ""},
		{"path_enc unknown", sco("directory", `"path":"C:\\Windows","path_enc":"cp1252x"`), "/objects/0/path_enc", "IANA"},

		// Nested timestamps are real instants: §6.7.4 PE time_date_stamp,
		// §6.17.2 x509 v3 extensions, the deprecated observed-data objects.
		{"pe timestamp", sco("file", `"name":"a.exe","extensions":{"windows-pebinary-ext":{"pe_type":"exe","time_date_stamp":"2016-02-30T00:00:00Z"}}`), "/objects/0/extensions/windows-pebinary-ext/time_date_stamp", "no such date"},
		{"x509 v3 timestamps", sco("x509-certificate", `"x509_v3_extensions":{"private_key_usage_period_not_before":"2016-03-12T12:00:00Z","private_key_usage_period_not_after":"2018-03-12T12:00:00Z"}`), "", ""},
		{"x509 v3 bad timestamp", sco("x509-certificate", `"x509_v3_extensions":{"private_key_usage_period_not_after":"2018-02-29T12:00:00Z"}`), "/objects/0/x509_v3_extensions/private_key_usage_period_not_after", "no such date"},
		{"x509 v3 not a string", sco("x509-certificate", `"x509_v3_extensions":{"key_usage":7}`), "/objects/0/x509_v3_extensions/key_usage", "must be a string"},
		{"observed objects", observedData(`{"0":{"type":"file","name":"a","mtime":"2016-04-06T20:03:00Z"}}`), "", ""},
		{"observed objects bad time", observedData(`{"0":{"type":"file","name":"a","mtime":"2016-04-31T20:03:00Z"}}`), "/objects/0/objects/0/mtime", "no such date"},
		{"observed extension bad time", observedData(`{"0":{"type":"file","name":"a","extensions":{"windows-pebinary-ext":{"pe_type":"exe","time_date_stamp":"2016-13-01T00:00:00Z"}}}}`), "/objects/0/objects/0/extensions/windows-pebinary-ext/time_date_stamp", "no such date"},
		{"kill chain phase object", edit(t, validIndicator, `"name"`, `"kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":7}],"name"`), "/objects/0/kill_chain_phases/0/phase_name", "must be a string"},

		// §2.9 identifiers: the UUID MUST be RFC 4122 compliant (variant
		// 10xx, version 1-5); UUIDv4 for SDOs/SROs/SMOs and UUIDv5 for SCOs
		// are only SHOULDs, so other RFC 4122 versions are accepted.
		{"sdo with v1 uuid", edit(t, validIndicator, "8e2e2d2b-17d4-4cbf", "8e2e2d2b-17d4-1cbf"), "", ""},
		{"sco with v4 uuid", `{"type":"mutex","id":"mutex--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","name":"m"}`, "", ""},
		{"nil uuid", `{"type":"mutex","id":"mutex--00000000-0000-0000-0000-000000000000","name":"m"}`, "/objects/0/id", "RFC 4122"},
		{"uuid v7 (RFC 9562)", `{"type":"mutex","id":"mutex--01890a5d-ac96-774b-bcce-b302099a8057","name":"m"}`, "/objects/0/id", "RFC 4122"},
		{"uuid wrong variant", `{"type":"mutex","id":"mutex--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f","name":"m"}`, "/objects/0/id", "RFC 4122"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodeBundle([]byte(bundleOf(tt.obj)), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, probs := Validate(b)
			if tt.pointer == "" {
				if probs != nil {
					t.Fatalf("unexpected problems: %v", probs)
				}
				return
			}
			for _, p := range probs {
				if p.Pointer == tt.pointer && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Fatalf("no problem at %q containing %q; got %v", tt.pointer, tt.msg, probs)
		})
	}
}

func observedData(objects string) string {
	return `{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
"created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z",
"last_observed":"2015-12-21T19:00:00Z","number_observed":1,"objects":` + objects + `}`
}

// TestPatternValueRulesMatchObjects checks that an indicator pattern is
// held to the same value rules as the object it names (one rule, in
// stix/pattern).
func TestPatternValueRulesMatchObjects(t *testing.T) {
	for pat, ok := range map[string]bool{
		`[ipv4-addr:value = '198.51.100.3']`:                  true,
		`[ipv4-addr:value = '999.1.1.1']`:                     false,
		`[url:value = 'example.com']`:                         false,
		`[email-addr:value = 'A <a@example.com>']`:            false,
		`[windows-registry-key:key = 'HKLM\\\\Software']`:     false,
		`[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS`: false,
	} {
		obj := edit(t, validIndicator, `"pattern":"[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']"`, `"pattern":"`+strings.ReplaceAll(pat, `\\`, `\\\\`)+`"`)
		b, err := DecodeBundle([]byte(bundleOf(obj)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		_, probs := Validate(b)
		if got := probs == nil; got != ok {
			t.Errorf("pattern %s: valid=%v, want %v (%v)", pat, got, ok, probs)
			continue
		}
		if !ok && (probs[0].Code != CodeInvalidPattern || probs[0].Pointer != "/objects/0/pattern") {
			t.Errorf("pattern %s: problem %+v, want invalid_pattern at /objects/0/pattern", pat, probs[0])
		}
	}
}
