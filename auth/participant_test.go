package auth

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestNewParticipant(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 678900000, time.UTC)
	p, err := NewParticipant(orgA, "CERT-EU", "BE", "government", now)
	if err != nil {
		t.Fatal(err)
	}
	var id map[string]any
	if err := json.Unmarshal(p.Identity, &id); err != nil {
		t.Fatal(err)
	}
	if id["type"] != "identity" || id["id"] != orgA || id["name"] != "CERT-EU" || id["created"] != "2026-01-02T03:04:05.678Z" ||
		id["x_jag_country"] != "BE" || id["sectors"].([]any)[0] != "government" || id["identity_class"] != "organization" {
		t.Fatalf("identity = %s", p.Identity)
	}
	for _, bad := range []struct{ id, name, country, sector string }{
		{"identity--AAAAAAAA-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "x", "", ""},
		{"indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "x", "", ""},
		{orgA, "", "", ""},
		{orgA, "x", "be", ""},
		{orgA, "x", "", "Gov Ernment"},
	} {
		if _, err := NewParticipant(bad.id, bad.name, bad.country, bad.sector, now); !errors.Is(err, ErrInvalidParticipant) {
			t.Errorf("NewParticipant(%+v) err = %v", bad, err)
		}
	}
}
