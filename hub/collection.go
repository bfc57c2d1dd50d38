package hub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// A Collection is a named view over the store (TAXII 2.1 collections):
// the object versions that match its filter, each one further subject to
// the one visibility rule for whoever reads it. Two principals reading the
// same collection therefore see different contents: exactly the versions
// the history search shows each of them, narrowed by the filter. A
// collection never widens what a principal may see.
type Collection struct {
	ID          string           `json:"id"`              // UUID (TAXII identifier)
	Alias       string           `json:"alias,omitempty"` // optional, unique; usable in place of the id
	Title       string           `json:"title"`
	Description string           `json:"description,omitempty"`
	Filter      CollectionFilter `json:"filter"`
	// ReadScopes and WriteScopes name the token scopes that may read
	// objects from and add objects to the collection; a principal with
	// neither does not see the collection at all. An empty WriteScopes
	// makes the collection read-only.
	ReadScopes  []string  `json:"read_scopes"`
	WriteScopes []string  `json:"write_scopes"`
	Created     time.Time `json:"created"`
}

// CollectionFilter selects the versions of a collection; zero fields do
// not filter, and the fields combine with AND (values within one field
// with OR).
type CollectionFilter struct {
	Types    []string `json:"types,omitempty"`    // STIX types
	Labels   []string `json:"labels,omitempty"`   // at least one of these labels
	Creators []string `json:"creators,omitempty"` // created_by_ref identity ids
	// MaxTLP is the TLP ceiling: versions marked more restrictively are
	// left out ("" for none).
	MaxTLP stix.TLP `json:"max_tlp,omitempty"`
	// MinConfidence leaves out versions whose confidence is lower or
	// absent (nil for none).
	MinConfidence *int `json:"min_confidence,omitempty"`
}

// DefaultCollectionID is the collection every hub has: everything the
// reader may see, readable with scope read, writable with scope submit.
const DefaultCollectionID = "4a414700-0000-4000-8000-000000000001"

// DefaultCollection returns the built-in collection.
func DefaultCollection() Collection {
	return Collection{
		ID:          DefaultCollectionID,
		Alias:       "everything",
		Title:       "Everything you may see",
		Description: "Every object version the hub holds that your token may see, under the TLP 2.0 visibility rule.",
		ReadScopes:  []string{auth.ScopeRead},
		WriteScopes: []string{auth.ScopeSubmit},
	}
}

// ErrInvalidCollection: a collection definition is not acceptable.
var ErrInvalidCollection = errors.New("invalid collection")

// ErrCollectionExists: the id or alias is taken.
var ErrCollectionExists = errors.New("collection id or alias already exists")

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	aliasPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

// Collection text bounds.
const (
	maxCollectionText    = 1024
	maxCollectionFilters = 64
)

// Validate checks a collection definition: a lower-case UUID id, an
// optional alias of lower-case letters, digits, '-' and '_' that is not a
// UUID, a title, scopes among auth.Scopes with at least one read scope,
// and a filter of valid STIX types, identity ids, labels, TLP and
// confidence 0–100 (the TLP is put in its canonical form). Errors wrap
// ErrInvalidCollection.
func (c *Collection) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidCollection, fmt.Sprintf(format, a...))
	}
	if !uuidPattern.MatchString(c.ID) {
		return bad("id must be a lower-case UUID")
	}
	if c.Alias != "" && (!aliasPattern.MatchString(c.Alias) || uuidPattern.MatchString(c.Alias)) {
		return bad("alias must be 1 to 63 lower-case letters, digits, '-' or '_' and not a UUID")
	}
	if strings.TrimSpace(c.Title) == "" || len(c.Title) > maxCollectionText || len(c.Description) > maxCollectionText ||
		!StorableText(c.Title) || !StorableText(c.Description) {
		return bad("title is required; title and description are text of at most %d bytes", maxCollectionText)
	}
	if len(c.ReadScopes) == 0 {
		return bad("at least one read scope is required")
	}
	for _, s := range slices.Concat(c.ReadScopes, c.WriteScopes) {
		if !slices.Contains(auth.Scopes, s) {
			return bad("unknown scope %q", s)
		}
	}
	f := &c.Filter
	if len(f.Types)+len(f.Labels)+len(f.Creators) > maxCollectionFilters {
		return bad("at most %d filter values", maxCollectionFilters)
	}
	for _, t := range f.Types {
		if !ValidSTIXType(t) {
			return bad("not a STIX type: %q", t)
		}
	}
	for _, id := range f.Creators {
		if typ, _, err := stix.ParseIdentifier(id); err != nil || typ != "identity" {
			return bad("creator must be an identity id: %q", id)
		}
	}
	for _, l := range f.Labels {
		if l == "" || len(l) > maxCollectionText || !StorableText(l) {
			return bad("labels must be non-empty text")
		}
	}
	if f.MaxTLP != "" {
		t, err := stix.ParseTLP(string(f.MaxTLP))
		if err != nil {
			return bad("max TLP: %v", err)
		}
		f.MaxTLP = t // canonical: "WHITE" is clear
	}
	if f.MinConfidence != nil && (*f.MinConfidence < 0 || *f.MinConfidence > 100) {
		return bad("minimum confidence must be 0 to 100")
	}
	return nil
}

// ValidSTIXType reports whether t is a valid STIX type name (the type part
// of an identifier).
func ValidSTIXType(t string) bool {
	_, _, err := stix.ParseIdentifier(t + "--00000000-0000-4000-8000-000000000000")
	return err == nil
}

// CanRead reports whether p may read objects of c.
func (c *Collection) CanRead(p *auth.Principal) bool { return anyScope(p, c.ReadScopes) }

// CanWrite reports whether p may add objects to c.
func (c *Collection) CanWrite(p *auth.Principal) bool { return anyScope(p, c.WriteScopes) }

func anyScope(p *auth.Principal, scopes []string) bool {
	for _, s := range scopes {
		if p.HasScope(s) {
			return true
		}
	}
	return false
}

// Admits reports whether a stored version with these properties falls
// into the collection's filter (visibility is a separate, per-reader
// question). It is the Go twin of the SQL collection filter.
func (f *CollectionFilter) Admits(o *StoredObject) bool {
	switch {
	case len(f.Types) > 0 && !slices.Contains(f.Types, o.Type),
		len(f.Creators) > 0 && !slices.Contains(f.Creators, o.CreatedBy),
		len(f.Labels) > 0 && !slices.ContainsFunc(o.Labels, func(l string) bool { return slices.Contains(f.Labels, l) }),
		f.MaxTLP != "" && o.TLP.Rank() > f.MaxTLP.Rank(),
		f.MinConfidence != nil && (o.Confidence == nil || *o.Confidence < *f.MinConfidence):
		return false
	}
	return true
}

// CollectionStore keeps the admin-defined collections; the default
// collection is not stored. *postgres.DB implements it.
type CollectionStore interface {
	// CreateCollection stores c; a taken id or alias wraps
	// ErrCollectionExists.
	CreateCollection(ctx context.Context, c *Collection) error
	// Collections returns every stored collection, oldest first.
	Collections(ctx context.Context) ([]Collection, error)
	// DeleteCollection removes the collection with id; a missing one
	// wraps ErrNotFound. Objects are not touched.
	DeleteCollection(ctx context.Context, id string) error
}

// NewCollectionID returns a random (version 4) UUID for a new collection.
func NewCollectionID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new collection id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
