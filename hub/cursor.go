package hub

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrBadCursor: a pagination cursor was not made by this hub (or was
// altered). The hub answers 400.
var ErrBadCursor = errors.New("invalid pagination cursor")

// Cursor is the key of the last object version of a history page: the
// search resumes strictly after it in (Received, ID, Modified) order, so a
// page never repeats or skips a version, and versions received later
// appear on later pages. Clients see it only as an opaque string.
type Cursor struct {
	Received time.Time
	ID       string
	Modified string
	// Creator is the lineage of the version (migration 0080): two orgs'
	// copies of one id may share the other keys, so every order ends
	// with it.
	Creator string
}

// cursorVersion tags the encoding so a later hub can change it and still
// recognise (and refuse) old cursors.
const cursorVersion = 1

// wireCursor is the JSON inside the opaque string.
// M is a pointer so a missing key is told from the empty version key of
// objects without timestamps (SCOs, see hub.objectVersion), which is valid.
type wireCursor struct {
	V int     `json:"v"`
	R string  `json:"r"`
	I string  `json:"i"`
	M *string `json:"m"`
	C string  `json:"c,omitempty"`
}

// Encode returns the opaque form of c (base64url of a small JSON
// document; the received time keeps every digit the database has).
func (c Cursor) Encode() string {
	b, _ := json.Marshal(wireCursor{V: cursorVersion, R: c.Received.UTC().Format(time.RFC3339Nano), I: c.ID, M: &c.Modified, C: c.Creator})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes an opaque cursor made by Encode; anything else wraps
// ErrBadCursor.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return Cursor{}, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	var w wireCursor
	if err := json.Unmarshal(b, &w); err != nil {
		return Cursor{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	if w.V != cursorVersion || w.I == "" || w.M == nil || !StorableText(w.I) || !StorableText(*w.M) || !StorableText(w.C) {
		return Cursor{}, fmt.Errorf("%w: unknown version or missing key", ErrBadCursor)
	}
	r, err := time.Parse(time.RFC3339Nano, w.R)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	return Cursor{Received: r, ID: w.I, Modified: *w.M, Creator: w.C}, nil
}
