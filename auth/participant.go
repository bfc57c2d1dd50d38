package auth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Forms of participant fields. Compiled patterns are immutable.
var (
	identityID  = regexp.MustCompile(`^identity--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	sectorValue = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
)

// Participant is an organisation that may submit: a STIX identity.
type Participant struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Country   string          `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Sector    string          `json:"sector,omitempty"`  // STIX industry-sector-ov value
	Identity  json.RawMessage `json:"identity"`          // the STIX identity object the hub publishes
	CreatedAt time.Time       `json:"created_at"`
}

// NewParticipant checks the fields and builds the participant with its
// STIX identity object (identity_class organization, sectors, and the
// country as the custom property x_jag_country), created at now.
func NewParticipant(id, name, country, sector string, now time.Time) (Participant, error) {
	switch {
	case !identityID.MatchString(id):
		return Participant{}, fmt.Errorf("%w: id %q is not an identity id", ErrInvalidParticipant, id)
	case name == "" || len(name) > 256:
		return Participant{}, fmt.Errorf("%w: name must have 1 to 256 bytes", ErrInvalidParticipant)
	case !storableText(name):
		return Participant{}, fmt.Errorf("%w: name must be text without NUL", ErrInvalidParticipant)
	case country != "" && !countryCode.MatchString(country):
		return Participant{}, fmt.Errorf("%w: country %q is not an ISO 3166-1 alpha-2 code", ErrInvalidParticipant, country)
	case sector != "" && !sectorValue.MatchString(sector):
		return Participant{}, fmt.Errorf("%w: sector %q is not an industry-sector-ov value", ErrInvalidParticipant, sector)
	}
	ts := now.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	identity := map[string]any{
		"type": "identity", "spec_version": "2.1", "id": id,
		"created": ts, "modified": ts,
		"name": name, "identity_class": "organization",
	}
	if sector != "" {
		identity["sectors"] = []string{sector}
	}
	if country != "" {
		identity["x_jag_country"] = country
	}
	raw, err := json.Marshal(identity)
	if err != nil {
		return Participant{}, fmt.Errorf("new participant: %w", err)
	}
	return Participant{ID: id, Name: name, Country: country, Sector: sector, Identity: raw, CreatedAt: now}, nil
}
