package stix

import (
	"errors"
	"testing"
)

func TestParseIdentifier(t *testing.T) {
	tests := []struct {
		in      string
		typ, ok string // ok "" means the identifier must be rejected
	}{
		{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator", "y"},
		{"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "ipv4-addr", "y"}, // UUIDv5 (SCO)
		{"x-acme-widget--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F", "x-acme-widget", "y"},
		{"identity--f431f809-377b-15e0-aa1c-6a4751cae5ff", "identity", "y"}, // v1: valid RFC 4122
		{"indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", "", ""},         // version 0
		{"indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", "", ""},         // variant 110x
		{"indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f", "", ""},             // no hyphens
		{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3", "", ""},          // short
		{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g", "", ""},         // non-hex
		{"Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""},         // upper-case type
		{"in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""},                // type too short
		{"x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""},
		{"indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""},
		{"action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""}, // reserved
		{"--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			typ, uuid, err := ParseIdentifier(tt.in)
			if tt.ok == "" {
				if !errors.Is(err, ErrIdentifier) {
					t.Fatalf("ParseIdentifier(%q) = %q, %q, %v; want ErrIdentifier", tt.in, typ, uuid, err)
				}
				return
			}
			if err != nil || typ != tt.typ || typ+"--"+uuid != tt.in {
				t.Fatalf("ParseIdentifier(%q) = %q, %q, %v", tt.in, typ, uuid, err)
			}
		})
	}
}

func TestExternalIDs(t *testing.T) {
	tests := []struct {
		in    string
		cve   bool
		capec bool
	}{
		{"CVE-2016-1234", true, false},
		{"CVE-2021-44228", true, false},
		{"CVE-1999-0001", true, false},
		{"CVE-2016-123", false, false},
		{"CVE-2016-01234", false, false},
		{"CVE-16-1234", false, false},
		{"cve-2016-1234", false, false},
		{"CVE-2016-1234 ", false, false},
		{"CAPEC-163", false, true},
		{"CAPEC-", false, false},
		{"CAPEC-16a", false, false},
	}
	for _, tt := range tests {
		if got := isCVE(tt.in); got != tt.cve {
			t.Errorf("isCVE(%q) = %v", tt.in, got)
		}
		if got := isCAPEC(tt.in); got != tt.capec {
			t.Errorf("isCAPEC(%q) = %v", tt.in, got)
		}
	}
}
