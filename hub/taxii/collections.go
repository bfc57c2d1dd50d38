package taxii

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// discoveryResource is section 4.1.1.
type discoveryResource struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default"`
	APIRoots    []string `json:"api_roots"`
}

// apiRootURL is the API root's URL as discovery names it.
func (h *Handler) apiRootURL() string { return h.cfg.BaseURL + Prefix + APIRoot + "/" }

func (h *Handler) discovery(w http.ResponseWriter, _ *request) error {
	writeJSON(w, http.StatusOK, discoveryResource{
		Title: h.cfg.Title, Description: h.cfg.Description, Contact: h.cfg.Contact,
		Default: h.apiRootURL(), APIRoots: []string{h.apiRootURL()},
	})
	return nil
}

// apiRootResource is section 4.2.1.
type apiRootResource struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

func (h *Handler) apiRoot(w http.ResponseWriter, _ *request) error {
	writeJSON(w, http.StatusOK, apiRootResource{
		Title:            h.cfg.Title,
		Description:      "Signed STIX 2.1 intelligence of the partnership; every collection shows each reader only what the TLP 2.0 visibility rule lets it see.",
		Versions:         []string{MediaType},
		MaxContentLength: h.cfg.MaxContentLength,
	})
	return nil
}

// collectionResource is section 5.2.1.
type collectionResource struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

// canRead reports whether the request may read objects of c: its
// principal holds one of the read scopes, or it is anonymous, public
// access is on and c is readable with scope read.
func (h *Handler) canRead(r *request, c *hub.Collection) bool {
	if r.p == nil {
		return h.cfg.PublicAccess && slices.Contains(c.ReadScopes, auth.ScopeRead)
	}
	return c.CanRead(r.p)
}

// canWrite reports whether the request may add objects to c: a principal
// of a participant org holding one of the write scopes.
func (h *Handler) canWrite(r *request, c *hub.Collection) bool {
	return r.p != nil && r.p.Org != "" && c.CanWrite(r.p)
}

func (h *Handler) resource(r *request, c *hub.Collection) collectionResource {
	return collectionResource{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		CanRead: h.canRead(r, c), CanWrite: h.canWrite(r, c), MediaTypes: []string{stixMediaType}}
}

// visibleCollections returns the default collection and the stored ones
// the request may read or write, in that order. Others do not exist for
// it.
func (h *Handler) visibleCollections(r *request) ([]hub.Collection, error) {
	all := []hub.Collection{hub.DefaultCollection()}
	if h.deps.Collections != nil {
		stored, err := h.deps.Collections.Collections(r.Context())
		if err != nil {
			return nil, fmt.Errorf("list collections: %w", err)
		}
		all = append(all, stored...)
	}
	out := all[:0]
	for i := range all {
		if h.canRead(r, &all[i]) || h.canWrite(r, &all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// findCollection resolves the {id} segment (an id or an alias). The
// built-in collection, which every poller of "everything" names, is
// resolved without a query.
func (h *Handler) findCollection(r *request) (*hub.Collection, error) {
	key := r.segs[1]
	if def := hub.DefaultCollection(); key == def.ID || key == def.Alias {
		if h.canRead(r, &def) || h.canWrite(r, &def) {
			return &def, nil
		}
		return nil, newError(http.StatusNotFound, hub.CodeNotFound, "no such collection")
	}
	cs, err := h.visibleCollections(r)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].ID == key || (cs[i].Alias != "" && cs[i].Alias == key) {
			return &cs[i], nil
		}
	}
	return nil, newError(http.StatusNotFound, hub.CodeNotFound, "no such collection")
}

func (h *Handler) collections(w http.ResponseWriter, r *request) error {
	cs, err := h.visibleCollections(r)
	if err != nil {
		return err
	}
	out := struct {
		Collections []collectionResource `json:"collections"`
	}{Collections: make([]collectionResource, len(cs))}
	for i := range cs {
		out.Collections[i] = h.resource(r, &cs[i])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) collection(w http.ResponseWriter, r *request) error {
	c, err := h.findCollection(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.resource(r, c))
	return nil
}

// statusResource is section 4.3.1.
type statusResource struct {
	ID               string             `json:"id"`
	Status           string             `json:"status"`
	RequestTimestamp string             `json:"request_timestamp"`
	TotalCount       int                `json:"total_count"`
	SuccessCount     int                `json:"success_count"`
	Successes        []hub.StatusDetail `json:"successes,omitempty"`
	FailureCount     int                `json:"failure_count"`
	Failures         []hub.StatusDetail `json:"failures,omitempty"`
	PendingCount     int                `json:"pending_count"`
	Pendings         []hub.StatusDetail `json:"pendings,omitempty"`
}

func statusOf(s *hub.EnvelopeStatus) statusResource {
	st := "complete"
	if len(s.Pendings) > 0 {
		st = "pending"
	}
	return statusResource{
		ID: s.ID, Status: st, RequestTimestamp: formatTime(s.Requested),
		TotalCount:   len(s.Successes) + len(s.Failures) + len(s.Pendings),
		SuccessCount: len(s.Successes), Successes: s.Successes,
		FailureCount: len(s.Failures), Failures: s.Failures,
		PendingCount: len(s.Pendings), Pendings: s.Pendings,
	}
}

// status answers GET {api-root}/status/{id}/: the status of a POST made
// by the caller's org, to a member-tier token of that org. A status lists
// every object of its envelope, and only the org's members may see all
// of the org's objects (a client or community token of the org may not
// see its TLP:AMBER+STRICT or RED ones), so for any other caller, like
// another org's status, it is answered like a missing one. The POST's
// own answer carries the full status to whoever posted.
func (h *Handler) status(w http.ResponseWriter, r *request) error {
	id := r.segs[1]
	missing := newError(http.StatusNotFound, hub.CodeNotFound, "no such status")
	if r.p == nil || r.p.Org == "" || r.p.Tier != auth.TierMember || !uuidLike(id) || h.deps.Statuses == nil {
		return missing
	}
	s, err := h.deps.Statuses.EnvelopeStatus(r.Context(), r.p.Org, id)
	if errors.Is(err, hub.ErrNotFound) {
		return missing // another org's, expired or never made: one answer
	}
	if err != nil {
		return fmt.Errorf("get status: %w", err)
	}
	writeJSON(w, http.StatusOK, statusOf(&s))
	return nil
}

// uuidLike reports whether s has the shape of a lower-case UUID (what
// status ids are); anything else cannot name a status.
func uuidLike(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

// formatTime renders a TAXII timestamp: UTC with microseconds, the
// precision of date_added.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}
