package stix

// extDef describes a predefined SCO extension (STIX 2.1 §6, "Extensions").
type extDef struct {
	props    map[string]prop
	required []string
	check    func(v *validator, n *node) // may be nil
}

// scoExtensions maps an SCO type and a predefined extension name to its
// definition. Built once, never modified.
var scoExtensions = map[string]map[string]*extDef{
	"file": {
		"archive-ext": {props: map[string]prop{
			"contains_refs": tRefs("file", "directory"), "comment": tString(),
		}, required: []string{"contains_refs"}},
		"ntfs-ext": {props: map[string]prop{
			"sid": tString(), "alternate_data_streams": tObjects(alternateDataStream),
		}, check: atLeastOneProperty},
		"pdf-ext": {props: map[string]prop{
			"version": tString(), "is_optimized": tBool(), "document_info_dict": tDict(),
			"pdfid0": tString(), "pdfid1": tString(),
		}, check: atLeastOneProperty},
		"raster-image-ext": {props: map[string]prop{
			"image_height": tInt(0, maxInt), "image_width": tInt(0, maxInt),
			"bits_per_pixel": tInt(0, maxInt), "exif_tags": tDict(),
		}, check: atLeastOneProperty},
		"windows-pebinary-ext": {props: map[string]prop{
			"pe_type": tOpen(), "imphash": tString(), "machine_hex": tHex(), "number_of_sections": tInt(0, maxInt),
			"time_date_stamp": tTime(), "pointer_to_symbol_table_hex": tHex(), "number_of_symbols": tInt(0, maxInt),
			"size_of_optional_header": tInt(0, maxInt), "characteristics_hex": tHex(), "file_header_hashes": tHashes(),
			"optional_header": tDict(), "sections": tObjects(peSection),
		}, required: []string{"pe_type"}},
	},
	"network-traffic": {
		"http-request-ext": {props: map[string]prop{
			"request_method": tString(), "request_value": tString(), "request_version": tString(),
			"request_header": tDict(), "message_body_length": tInt(0, maxInt),
			"message_body_data_ref": tRef("artifact"),
		}, required: []string{"request_method", "request_value"}},
		"icmp-ext": {props: map[string]prop{
			"icmp_type_hex": tHex(), "icmp_code_hex": tHex(),
		}, required: []string{"icmp_type_hex", "icmp_code_hex"}},
		"socket-ext": {props: map[string]prop{
			"address_family": tEnum("AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS",
				"AF_INET6", "AF_IRDA", "AF_BTH"),
			"is_blocking": tBool(), "is_listening": tBool(), "options": tDict(),
			"socket_type":       tEnum("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"),
			"socket_descriptor": tInt(0, maxInt), "socket_handle": tInt(0, maxInt),
		}, required: []string{"address_family"}},
		"tcp-ext": {props: map[string]prop{
			"src_flags_hex": tHex(), "dst_flags_hex": tHex(),
		}, check: atLeastOneProperty},
	},
	"process": {
		"windows-process-ext": {props: map[string]prop{
			"aslr_enabled": tBool(), "dep_enabled": tBool(), "priority": tString(), "owner_sid": tString(),
			"window_title": tString(), "startup_info": tDict(),
			"integrity_level": tEnum("low", "medium", "high", "system"),
		}},
		"windows-service-ext": {props: map[string]prop{
			"service_name": tString(), "descriptions": tStrings(), "display_name": tString(),
			"group_name": tString(),
			"start_type": tEnum("SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START",
				"SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT"),
			"service_dll_refs": tRefs("file"),
			"service_type": tEnum("SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER",
				"SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS"),
			"service_status": tEnum("SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",
				"SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED"),
		}},
	},
	"user-account": {
		"unix-account-ext": {props: map[string]prop{
			"gid": tInt(0, maxInt), "groups": tStrings(), "home_dir": tString(), "shell": tString(),
		}},
	},
}

var (
	alternateDataStreamProps = map[string]prop{"name": tString(), "hashes": tHashes(), "size": tInt(0, maxInt)}
	peSectionProps           = map[string]prop{"name": tString(), "size": tInt(0, maxInt), "entropy": tFloat(-1e308, 1e308), "hashes": tHashes()}
	nameRequired             = []string{"name"}
)

// alternateDataStream checks one ntfs-ext alternate data stream.
func alternateDataStream(v *validator, n *node) {
	v.members(n, alternateDataStreamProps, nameRequired)
}

// peSection checks one windows-pebinary-ext section.
func peSection(v *validator, n *node) {
	v.members(n, peSectionProps, nameRequired)
}
