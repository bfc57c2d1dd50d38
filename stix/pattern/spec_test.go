package pattern

import "testing"

// TestSpecExamples parses the examples of STIX 2.1 section 9 (patterning)
// as written in the specification, plus the deliberately invalid ones it
// discusses.
func TestSpecExamples(t *testing.T) {
	valid := []string{
		`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
		`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
		`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
		`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
		`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
		`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
		`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
		`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
		`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
		`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
		`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`,
		`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
		`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
		`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
		`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
		`[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']`,
		`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
		`[x-usb-device:usbdrive.serial_number = '575833334A4E33333131504E']`,
		`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
		`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
		`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
		`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
		`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS`,
		`[file:name = 'test.exe'] REPEATS 5 TIMES`,
		`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`,
		`[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']`,
		`[file:name LIKE 'foo%.exe' OR file:name LIKE 'bar_.exe']`,
		`[network-traffic:protocols[*] IN ('tcp', 'udp')]`,
		`[user-account:extensions.'unix-account-ext'.groups[*] NOT IN ('admin', 'wheel')]`,
		`[windows-registry-key:values[*].name = 'Foo']`,
		`[EXISTS windows-registry-key:values]`,
		`[process:pid > 100 AND process:pid <= 2000]`,
		`[file:size >= 1024 AND file:size < 2048]`,
	}
	for _, src := range valid {
		if _, err := Parse(src); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
	invalid := []string{
		// Observation operators may not appear inside brackets.
		`[file:name = 'a' FOLLOWEDBY file:name = 'b']`,
		// A qualifier applies to an observation, not a comparison.
		`[file:name = 'a' WITHIN 5 SECONDS]`,
		// Unquoted hyphen in a dictionary key.
		`[file:hashes.SHA-256 = 'aec0']`,
		// STOP must be later than START.
		`[file:name = 'a'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'`,
	}
	for _, src := range invalid {
		if _, err := Parse(src); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", src)
		}
	}
}
