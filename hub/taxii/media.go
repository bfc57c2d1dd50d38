package taxii

import (
	"mime"
	"strconv"
	"strings"
)

// MediaType is the one media type of every TAXII 2.1 answer.
const MediaType = "application/taxii+json;version=2.1"

// stixMediaType is the media type of the objects the collections hold.
const stixMediaType = "application/stix+json;version=2.1"

// maxAcceptBytes bounds the Accept header parsed.
const maxAcceptBytes = 4096

// acceptable reports whether an Accept header admits MediaType: a media
// range application/taxii+json (version 2.1 or none), application/* or
// */* with a non-zero quality. No header accepts anything (RFC 9110
// 12.5.1).
func acceptable(header []string) bool {
	if len(header) == 0 {
		return true
	}
	h := strings.Join(header, ",")
	if len(h) > maxAcceptBytes {
		return false
	}
	for _, r := range strings.Split(h, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(r)
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/taxii+json":
			if v, ok := params["version"]; !ok || v == "2.1" {
				return true
			}
		}
	}
	return false
}

// taxiiContent reports whether a Content-Type header names a TAXII 2.1
// envelope: application/taxii+json with version 2.1 or none.
func taxiiContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/taxii+json" {
		return false
	}
	v, ok := params["version"]
	return !ok || v == "2.1"
}
