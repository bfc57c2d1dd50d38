package rest

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// maxAdminBody bounds admin request bodies (a JWK, a few fields).
const maxAdminBody = 64 << 10

// handleCreateParticipant answers POST /v1/admin/participants.
func (s *Server) handleCreateParticipant(w http.ResponseWriter, r *http.Request) {
	var req hub.ParticipantRequest
	if !decodeAdminBody(w, r, &req) {
		return
	}
	v, err := s.deps.Admin.CreateParticipant(r.Context(), req)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// handleListParticipants answers GET /v1/admin/participants and
// GET /v1/participants: every participant with its keys.
func (s *Server) handleListParticipants(w http.ResponseWriter, r *http.Request) {
	views, err := s.deps.Admin.Participants(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"participants": views})
}

// handleParticipantJWKS answers GET /v1/participants/{id}/jwks: the
// participant's keys, revoked ones included with their revocation time.
func (s *Server) handleParticipantJWKS(w http.ResponseWriter, r *http.Request) {
	doc, err := s.deps.Admin.ParticipantJWKS(r.Context(), r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(doc)
}

// handleAddKey answers POST /v1/admin/participants/{id}/keys; the body is
// the public JWK (with "alg" for RSA keys).
func (s *Server) handleAddKey(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		fail(w, r, err)
		return
	}
	doc, err := s.deps.Admin.AddKey(r.Context(), r.PathValue("id"), body)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, doc)
}

// handleRevokeKey answers POST /v1/admin/keys/{kid}/revoke.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	doc, err := s.deps.Admin.RevokeKey(r.Context(), r.PathValue("kid"))
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// handleIssueToken answers POST /v1/admin/tokens.
func (s *Server) handleIssueToken(w http.ResponseWriter, r *http.Request) {
	var req hub.TokenRequest
	if !decodeAdminBody(w, r, &req) {
		return
	}
	tok, err := s.deps.Admin.IssueToken(r.Context(), req)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tok)
}

// handleRevokeToken answers POST /v1/admin/tokens/revoke.
func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	var req hub.TokenRevocation
	if !decodeAdminBody(w, r, &req) {
		return
	}
	jti, err := s.deps.Admin.RevokeToken(r.Context(), req)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jti": jti, "revoked": true})
}

// handleHubJWKS answers GET /.well-known/jwks.json: the public halves of
// the hub's keys (tokens, receipts).
func (s *Server) handleHubJWKS(w http.ResponseWriter, r *http.Request) {
	set, err := s.deps.Admin.HubJWKS()
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(set)
}

// decodeAdminBody decodes a small JSON body strictly into v.
func decodeAdminBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if problem.IsMaxBytes(err) {
			fail(w, r, err)
			return false
		}
		refuse(w, r, hub.CodeInvalidJSON, "body must be one JSON object with the documented members")
		return false
	}
	if dec.More() {
		refuse(w, r, hub.CodeInvalidJSON, "trailing data after the JSON body")
		return false
	}
	return true
}
