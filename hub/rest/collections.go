package rest

import (
	"fmt"
	"net/http"

	"github.com/jag-hub/jag/hub"
)

// handleCreateCollection answers POST /v1/admin/collections: the body is
// a collection definition (hub.Collection's JSON: title, alias,
// description, filter{types, labels, creators, max_tlp, min_confidence},
// read_scopes, write_scopes; id optional); 201 with the stored collection.
func (s *Server) handleCreateCollection(w http.ResponseWriter, r *http.Request) {
	var c hub.Collection
	if !decodeAdminBody(w, r, &c) {
		return
	}
	if s.deps.Collections == nil {
		fail(w, r, fmt.Errorf("create collection: %w", hub.ErrUnavailable))
		return
	}
	c, err := s.deps.Collections.Create(r.Context(), c)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// handleListCollections answers GET /v1/admin/collections: the built-in
// collection, then the admin-defined ones.
func (s *Server) handleListCollections(w http.ResponseWriter, r *http.Request) {
	if s.deps.Collections == nil {
		fail(w, r, fmt.Errorf("list collections: %w", hub.ErrUnavailable))
		return
	}
	cs, err := s.deps.Collections.List(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": cs})
}

// handleDeleteCollection answers DELETE /v1/admin/collections/{id}: 204.
// The objects the collection showed stay in the hub.
func (s *Server) handleDeleteCollection(w http.ResponseWriter, r *http.Request) {
	if s.deps.Collections == nil {
		fail(w, r, fmt.Errorf("delete collection: %w", hub.ErrUnavailable))
		return
	}
	if err := s.deps.Collections.Delete(r.Context(), r.PathValue("id")); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
