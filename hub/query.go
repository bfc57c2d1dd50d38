package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jag-hub/jag/auth"
)

// Search limits (README "API").
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
	// MaxVersionsPage bounds one page of an object's versions.
	MaxVersionsPage = 1000
	// DefaultResponseBytes is the default byte budget of one answer of
	// objects (QueryService.WithResponseBudget).
	DefaultResponseBytes = 8 << 20
)

// Viewer is the principal a read is made for, reduced to what the
// visibility rule (SQL jag_visible, Go auth.Visible) needs. The zero value
// is an anonymous reader.
type Viewer struct {
	Org  string
	Tier string
}

// ViewerOf returns the viewer of principal p; a nil p (no principal) is
// the anonymous viewer.
func ViewerOf(p *auth.Principal) Viewer {
	if p == nil {
		return Viewer{}
	}
	return Viewer{Org: p.Org, Tier: p.Tier}
}

// ObjectVersion is one stored object version as the read paths return it:
// a few indexed properties and the original bytes exactly as received.
type ObjectVersion struct {
	ID        string
	Modified  string // as written in the object
	Type      string
	CreatedBy string
	Received  time.Time // when the hub accepted it
	Revoked   bool
	// Raw is the stored bytes. A store leaves it nil on rows beyond a
	// page's byte budget (see QueryStore).
	Raw []byte
}

// ObjectFilter is the conjunction of the history-search filters; zero
// fields do not filter.
type ObjectFilter struct {
	Type          string
	CreatedBy     string
	Label         string
	AddedAfter    time.Time // received strictly after
	AddedBefore   time.Time // received strictly before
	ModifiedAfter time.Time // modified strictly after
	ValidAt       time.Time // valid_from <= t < valid_until (open end when none)
	Revoked       *bool
	Observable    *Probe // the version's pattern names a matching observable
	Text          string // substring of name or description, case-insensitive
}

// QueryStore is the read side of storage (implemented by hub/postgres).
// Every method applies the visibility rule for the viewer inside the
// query: a version the viewer may not see is indistinguishable from a
// missing one.
//
// The list methods bound their answer in bytes, not only in rows: a row
// carries its Raw only while the raws of the rows before it in the answer
// add up to less than maxBytes (so the first row always does); later rows
// carry metadata only, and the service ends the page before the first of
// them.
type QueryStore interface {
	// Object returns the version of id with the given modified string, or
	// the latest visible version when modified is "". Missing or hidden
	// wraps ErrNotFound.
	Object(ctx context.Context, v Viewer, id, modified string) (ObjectVersion, error)
	// ObjectVersions returns up to limit visible versions of id, oldest
	// first, strictly after the visible version whose modified is
	// afterModified ("" from the first; a missing or hidden one ends the
	// list).
	ObjectVersions(ctx context.Context, v Viewer, id string, after *Cursor, limit int, maxBytes int64) ([]ObjectVersion, error)
	// SearchObjects returns up to limit visible versions matching f in
	// (received, id, modified, creator) order, strictly after the cursor
	// when after is non-nil.
	SearchObjects(ctx context.Context, v Viewer, f ObjectFilter, after *Cursor, limit int, maxBytes int64) ([]ObjectVersion, error)
	// Lookup returns up to limit hits for probes, ordered by probe index
	// and object id, strictly after the (probe, id) pair after. Only the
	// latest visible version of an object counts.
	Lookup(ctx context.Context, v Viewer, probes []Probe, after LookupAfter, limit int, maxBytes int64) ([]LookupHit, error)
	// Provenance returns what proves where a version came from (modified
	// "" for the latest visible one). Missing or hidden wraps ErrNotFound.
	Provenance(ctx context.Context, v Viewer, id, modified string) (Provenance, error)
	// ParticipantKeys returns every key of a participant, revoked included
	// (auth.KeySource).
	ParticipantKeys(ctx context.Context, participant string) ([]auth.Key, error)
	// ReceiptVersions decides who may read a receipt (receipt_access.go).
	ReceiptVersions
}

// QueryService serves every read for a Viewer: objects, history search,
// lookups and provenance. Visibility is the store's (inside each query);
// the service adds the objects the hub publishes itself (the signature
// extension's definition), pagination and match ranking.
type QueryService struct {
	store    QueryStore
	now      func() time.Time
	log      LogProver // nil: provenance without the transparency log (translog.go)
	maxBytes int64
}

// NewQueryService returns the read service over store (nil answers
// ErrUnavailable); now nil means time.Now.
func NewQueryService(store QueryStore, now func() time.Time) *QueryService {
	if now == nil {
		now = time.Now
	}
	return &QueryService{store: store, now: now, maxBytes: DefaultResponseBytes}
}

// WithResponseBudget sets the byte budget of one answer of objects
// (lookups, search pages, version lists; default DefaultResponseBytes): a
// page stops adding objects once the raws it holds reach n bytes, always
// holds at least one, and says where the next page starts. It returns s.
func (s *QueryService) WithResponseBudget(n int64) *QueryService {
	if n > 0 {
		s.maxBytes = n
	}
	return s
}

// budgeted returns the prefix of vs (at most limit) before the first
// version a store left without its raw, and whether versions remain.
func budgeted(vs []ObjectVersion, limit int) (page []ObjectVersion, more bool) {
	for i, o := range vs {
		if i == limit || (o.Raw == nil && i > 0) {
			return vs[:i], true
		}
	}
	return vs, false
}

// Object returns the version of id whose modified is version, or the
// latest visible one when version is "". Missing or hidden wraps
// ErrNotFound.
func (s *QueryService) Object(ctx context.Context, v Viewer, id, version string) (ObjectVersion, error) {
	if id == auth.ExtensionID {
		if version == "" || version == extensionModified {
			return extensionVersion, nil
		}
		return ObjectVersion{}, ErrNotFound
	}
	if s.store == nil {
		return ObjectVersion{}, fmt.Errorf("get object: %w: no query store configured", ErrUnavailable)
	}
	o, err := s.store.Object(ctx, v, id, version)
	if err != nil {
		return ObjectVersion{}, fmt.Errorf("get object: %w", err)
	}
	return o, nil
}

// ObjectVersions returns one page of the visible versions of id, oldest
// first, after the cursor when non-nil (a cursor of this list: its ID is
// id), and the cursor of the next page (nil on the last). A page holds at
// most MaxVersionsPage versions and stops at the byte budget. No visible
// version at all is ErrNotFound; an empty page after a cursor is not.
func (s *QueryService) ObjectVersions(ctx context.Context, v Viewer, id string, after *Cursor) ([]ObjectVersion, *Cursor, error) {
	if after != nil && after.ID != id {
		return nil, nil, Errorf(CodeBadRequest, "the cursor is not one of this object's versions")
	}
	if id == auth.ExtensionID {
		if after != nil {
			return nil, nil, nil
		}
		return []ObjectVersion{extensionVersion}, nil, nil
	}
	if s.store == nil {
		return nil, nil, fmt.Errorf("get object versions: %w: no query store configured", ErrUnavailable)
	}
	vs, err := s.store.ObjectVersions(ctx, v, id, after, MaxVersionsPage+1, s.maxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("get object versions: %w", err)
	}
	if len(vs) == 0 && after == nil {
		return nil, nil, ErrNotFound
	}
	page, more := budgeted(vs, MaxVersionsPage)
	if !more {
		return page, nil, nil
	}
	last := page[len(page)-1]
	return page, &Cursor{ID: last.ID, Modified: last.Modified, Creator: last.CreatedBy}, nil
}

// Search returns one page of at most limit visible versions matching f,
// after the cursor when non-nil, and the cursor of the next page (nil on
// the last page). limit must be within 1..MaxSearchLimit.
func (s *QueryService) Search(ctx context.Context, v Viewer, f ObjectFilter, after *Cursor, limit int) ([]ObjectVersion, *Cursor, error) {
	if limit < 1 || limit > MaxSearchLimit {
		return nil, nil, Errorf(CodeBadRequest, "limit must be between 1 and %d", MaxSearchLimit)
	}
	if s.store == nil {
		return nil, nil, fmt.Errorf("search objects: %w: no query store configured", ErrUnavailable)
	}
	vs, err := s.store.SearchObjects(ctx, v, f, after, limit+1, s.maxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("search objects: %w", err)
	}
	page, more := budgeted(vs, limit)
	if !more {
		return page, nil, nil
	}
	last := page[len(page)-1]
	return page, &Cursor{Received: last.Received, ID: last.ID, Modified: last.Modified, Creator: last.CreatedBy}, nil
}

// HubIdentity is the STIX identity that creates what the hub itself
// publishes (the signature extension's definition).
const HubIdentity = "identity--4a414700-0000-4000-8000-00000000a9b0"

// extensionModified is the one version of the extension definition.
const extensionModified = "2026-01-01T00:00:00.000Z"

// extensionDefinition is the STIX extension-definition of the signature
// extension (API.md section 1), published at its id.
const extensionDefinition = `{"type":"extension-definition","spec_version":"2.1",` +
	`"id":"` + auth.ExtensionID + `",` +
	`"created_by_ref":"` + HubIdentity + `",` +
	`"created":"` + extensionModified + `","modified":"` + extensionModified + `",` +
	`"name":"JAG object signature","version":"1.0.0","extension_types":["property-extension"],` +
	`"description":"Proves which participant wrote a STIX object, whoever relays it.",` +
	`"schema":"Members: extension_type \"property-extension\"; signature: a detached compact JWS (RFC 7515 appendix F) ` +
	`over the RFC 8785 canonical form of the whole object with only this member removed, protected header exactly ` +
	`alg (EdDSA, ES256, ES384, PS256 or RS256), kid (a key registered to the participant named by created_by_ref) ` +
	`and typ \"stix+jws\"; recipients (optional): identity ids of the participants that may see the object, ` +
	`mandatory for TLP:RED. Keys: GET /v1/participants/{id}/jwks."}`

// extensionVersion is the extension definition as a version every viewer
// sees.
var extensionVersion = ObjectVersion{
	ID: auth.ExtensionID, Modified: extensionModified, Type: "extension-definition",
	CreatedBy: HubIdentity, Raw: []byte(extensionDefinition),
}

// StorableText reports whether s can be sent to the database as text:
// valid UTF-8 without NUL. PostgreSQL refuses anything else with an error,
// so input that fails this is answered as a client error (or as not found
// for an id) before any query runs.
func StorableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
