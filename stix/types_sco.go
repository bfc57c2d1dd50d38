package stix

import "strings"

// scoTypes defines the STIX 2.1 Cyber-observable Objects (§6).
func scoTypes() map[string]*typeDef {
	addrRefs := tRefs("ipv4-addr", "ipv6-addr", "domain-name")
	ipProps := func(typ string) map[string]prop {
		return map[string]prop{"value": scoValue(typ, "value"), "resolves_to_refs": tRefs("mac-addr"), "belongs_to_refs": tRefs("autonomous-system")}
	}
	return map[string]*typeDef{
		"artifact": sco(map[string]prop{
			"mime_type": tString(), "payload_bin": tBinary(), "url": tString(), "hashes": tHashes(),
			"encryption_algorithm": tEnum("AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"),
			"decryption_key":       tString(),
		}, nil, checkArtifact),
		"autonomous-system": sco(map[string]prop{
			"number": tInt(0, 4294967295), "name": tString(), "rir": tString(),
		}, []string{"number"}, nil),
		"directory": sco(map[string]prop{
			"path": tString(), "path_enc": tForm(checkCharset), "ctime": tTime(), "mtime": tTime(), "atime": tTime(),
			"contains_refs": tRefs("file", "directory"),
		}, []string{"path"}, nil),
		"domain-name": sco(map[string]prop{
			"value": tString(), "resolves_to_refs": addrRefs,
		}, []string{"value"}, nil),
		"email-addr": sco(map[string]prop{
			"value": scoValue("email-addr", "value"), "display_name": tString(), "belongs_to_ref": tRef("user-account"),
		}, []string{"value"}, nil),
		"email-message": sco(map[string]prop{
			"is_multipart": tBool(), "date": tTime(), "content_type": tString(), "from_ref": tRef("email-addr"),
			"sender_ref": tRef("email-addr"), "to_refs": tRefs("email-addr"), "cc_refs": tRefs("email-addr"),
			"bcc_refs": tRefs("email-addr"), "message_id": tString(), "subject": tString(),
			"received_lines": tStrings(), "additional_header_fields": tDict(), "body": tString(),
			"body_multipart": tObjects(mimePart), "raw_email_ref": tRef("artifact"),
		}, []string{"is_multipart"}, checkEmailMessage),
		"file": sco(map[string]prop{
			"hashes": tHashes(), "size": tInt(0, maxInt), "name": tString(), "name_enc": tForm(checkCharset),
			"magic_number_hex": tHex(), "mime_type": tString(), "ctime": tTime(), "mtime": tTime(), "atime": tTime(),
			"parent_directory_ref": tRef("directory"), "contains_refs": tRefs(refSCO), "content_ref": tRef("artifact"),
		}, nil, atLeastOne("hashes", "name")),
		"ipv4-addr": sco(ipProps("ipv4-addr"), []string{"value"}, nil),
		"ipv6-addr": sco(ipProps("ipv6-addr"), []string{"value"}, nil),
		"mac-addr":  sco(map[string]prop{"value": tString()}, []string{"value"}, nil),
		"mutex":     sco(map[string]prop{"name": tString()}, []string{"name"}, nil),
		"url":       sco(map[string]prop{"value": scoValue("url", "value")}, []string{"value"}, nil),
		"network-traffic": sco(map[string]prop{
			"start": tTime(), "end": tTime(), "is_active": tBool(), "src_ref": tRef("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
			"dst_ref": tRef("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"), "src_port": tInt(0, 65535),
			"dst_port": tInt(0, 65535), "protocols": tStrings(), "src_byte_count": tInt(0, maxInt),
			"dst_byte_count": tInt(0, maxInt), "src_packets": tInt(0, maxInt), "dst_packets": tInt(0, maxInt),
			"ipfix": tDict(), "src_payload_ref": tRef("artifact"), "dst_payload_ref": tRef("artifact"),
			"encapsulates_refs": tRefs("network-traffic"), "encapsulated_by_ref": tRef("network-traffic"),
		}, []string{"protocols"}, checkNetworkTraffic),
		"process": sco(map[string]prop{
			"is_hidden": tBool(), "pid": tInt(0, maxInt), "created_time": tTime(), "cwd": tString(),
			"command_line": tString(), "environment_variables": tDict(),
			"opened_connection_refs": tRefs("network-traffic"), "creator_user_ref": tRef("user-account"),
			"image_ref": tRef("file"), "parent_ref": tRef("process"), "child_refs": tRefs("process"),
		}, nil, atLeastOneProperty),
		"software": sco(map[string]prop{
			"name": tString(), "cpe": tForm(checkCPE), "swid": tString(), "languages": tStrings(),
			"vendor": tString(), "version": tString(),
		}, []string{"name"}, nil),
		"user-account": sco(map[string]prop{
			"user_id": tString(), "credential": tString(), "account_login": tString(), "account_type": tOpen(),
			"display_name": tString(), "is_service_account": tBool(), "is_privileged": tBool(),
			"can_escalate_privs": tBool(), "is_disabled": tBool(), "account_created": tTime(),
			"account_expires": tTime(), "credential_last_changed": tTime(), "account_first_login": tTime(),
			"account_last_login": tTime(),
		}, nil, atLeastOneProperty),
		"windows-registry-key": sco(map[string]prop{
			"key": scoValue("windows-registry-key", "key"), "values": tObjects(registryValue), "modified_time": tTime(),
			"creator_user_ref": tRef("user-account"), "number_of_subkeys": tInt(0, maxInt),
		}, nil, atLeastOneProperty),
		"x509-certificate": sco(map[string]prop{
			"is_self_signed": tBool(), "hashes": tHashes(), "version": tString(), "serial_number": tString(),
			"signature_algorithm": tString(), "issuer": tString(), "validity_not_before": tTime(),
			"validity_not_after": tTime(), "subject": tString(), "subject_public_key_algorithm": tString(),
			"subject_public_key_modulus": tString(), "subject_public_key_exponent": tInt(0, maxInt),
			"x509_v3_extensions": tObject(x509V3Extensions),
		}, nil, atLeastOneProperty),
	}
}

// atLeastOne requires one of the named properties.
func atLeastOne(names ...string) func(*validator, *node) {
	return func(v *validator, n *node) {
		for _, k := range names {
			if n.get(k) != nil {
				return
			}
		}
		v.add("needs at least one of " + strings.Join(names, ", "))
	}
}

// atLeastOneProperty requires a property besides type, id and
// spec_version (process, user-account, windows-registry-key, x509).
func atLeastOneProperty(v *validator, n *node) {
	for i := range n.members {
		switch n.members[i].key {
		case "type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged":
		default:
			return
		}
	}
	v.add("needs at least one property of its type or an extension")
}

// checkArtifact: exactly one of payload_bin and url; url needs
// hashes; decryption_key needs encryption_algorithm.
func checkArtifact(v *validator, n *node) {
	bin, url := n.get("payload_bin") != nil, n.get("url") != nil
	if bin == url {
		v.add("an artifact needs exactly one of payload_bin and url")
	}
	if url && n.get("hashes") == nil {
		v.add("hashes is required when url is present")
	}
	if n.get("decryption_key") != nil && n.get("encryption_algorithm") == nil {
		v.add("decryption_key requires encryption_algorithm")
	}
}

// checkEmailMessage: body for single-part, body_multipart for multipart.
func checkEmailMessage(v *validator, n *node) {
	mp := n.get("is_multipart")
	if mp == nil || mp.kind != kindBool {
		return
	}
	if mp.b && n.get("body") != nil {
		v.add("body must not be present when is_multipart is true")
	}
	if !mp.b && n.get("body_multipart") != nil {
		v.add("body_multipart must not be present when is_multipart is false")
	}
}

var mimePartProps = map[string]prop{
	"body": tString(), "body_raw_ref": tRef("artifact", "file"), "content_type": tString(),
	"content_disposition": tString(),
}

// mimePart checks one email-message body_multipart entry.
func mimePart(v *validator, n *node) {
	v.members(n, mimePartProps, nil)
	if n.get("body") != nil && n.get("body_raw_ref") != nil {
		v.add("body and body_raw_ref must not both be present")
	}
}

var registryValueProps = map[string]prop{
	"name": tString(), "data": tString(),
	"data_type": tEnum("REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
		"REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ",
		"REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST",
		"REG_QWORD", "REG_INVALID_TYPE"),
}

// registryValue checks one windows-registry-value-type.
func registryValue(v *validator, n *node) {
	v.members(n, registryValueProps, nil)
}

// checkNetworkTraffic: src_ref or dst_ref; an active flow has no end;
// end is not before start.
func checkNetworkTraffic(v *validator, n *node) {
	if n.get("src_ref") == nil && n.get("dst_ref") == nil {
		v.add("network-traffic needs src_ref or dst_ref")
	}
	if a := n.get("is_active"); a != nil && a.kind == kindBool && a.b && n.get("end") != nil {
		v.add("end must not be present when is_active is true")
	}
	v.order(n, "start", "end", true)
}
