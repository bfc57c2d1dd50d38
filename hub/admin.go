package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
)

// AdminStore is the participant registry and token revocation list the
// admin routes manage. *postgres.DB implements it.
type AdminStore interface {
	CreateParticipant(ctx context.Context, p auth.Participant) error
	Participants(ctx context.Context) ([]auth.Participant, error)
	Participant(ctx context.Context, id string) (auth.Participant, error)
	AddKey(ctx context.Context, k auth.Key) error
	RevokeKey(ctx context.Context, kid string, at time.Time) (auth.Key, error)
	ParticipantKeys(ctx context.Context, participant string) ([]auth.Key, error)
	Keys(ctx context.Context) ([]auth.Key, error)
	RevokeToken(ctx context.Context, jti string, expires time.Time) error
}

// TokenAuthority issues access tokens and publishes the hub's public keys;
// *auth.Authority implements it.
type TokenAuthority interface {
	Issue(ctx context.Context, c auth.TokenClaims) (token, jti string, err error)
	JWKS() jose.JSONWebKeySet
	MaxLifetime() time.Duration
}

var _ TokenAuthority = (*auth.Authority)(nil)

// AdminDeps are the collaborators of the registry routes (/v1/admin/…,
// /v1/participants…, /.well-known/jwks.json). Without them those routes
// answer 503.
type AdminDeps struct {
	Store  AdminStore
	Tokens TokenAuthority
}

// maxAdminBody bounds admin request bodies (a JWK, a few fields).
const maxAdminBody = 64 << 10

// ParticipantRequest is the body of POST /v1/admin/participants.
type ParticipantRequest struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	Sector  string `json:"sector,omitempty"`
}

// TokenRequest is the body of POST /v1/admin/tokens.
type TokenRequest struct {
	Subject string `json:"sub,omitempty"`
	Org     string `json:"org"`
	Tier    string `json:"tier"`
	Scope   string `json:"scope"` // space-separated
	TTL     string `json:"ttl"`   // Go duration, e.g. "1h"
}

// TokenResponse is the answer of POST /v1/admin/tokens.
type TokenResponse struct {
	Token   string    `json:"token"`
	JTI     string    `json:"jti"`
	Expires time.Time `json:"expires"`
}

// TokenRevocation is the body of POST /v1/admin/tokens/revoke: a jti, or
// the token itself.
type TokenRevocation struct {
	JTI   string `json:"jti,omitempty"`
	Token string `json:"token,omitempty"`
}

// participantView is a participant as the API shows it: the identity
// object the hub publishes and the participant's keys.
type participantView struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	Country  string           `json:"country,omitempty"`
	Sector   string           `json:"sector,omitempty"`
	Identity json.RawMessage  `json:"identity"`
	Keys     []map[string]any `json:"keys"`
}

func (s *Server) adminStore(w http.ResponseWriter, r *http.Request) (AdminStore, bool) {
	if s.deps.Admin.Store == nil {
		fail(w, r, fmt.Errorf("admin: %w: no registry configured", ErrUnavailable))
		return nil, false
	}
	return s.deps.Admin.Store, true
}

// handleCreateParticipant answers POST /v1/admin/participants.
func (s *Server) handleCreateParticipant(w http.ResponseWriter, r *http.Request) {
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	var req ParticipantRequest
	if !decodeAdminBody(w, r, &req) {
		return
	}
	p, err := auth.NewParticipant(req.ID, req.Name, req.Country, req.Sector, s.deps.Now())
	if err != nil {
		failAdmin(w, r, err)
		return
	}
	if err := store.CreateParticipant(r.Context(), p); err != nil {
		failAdmin(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, participantView{ID: p.ID, Name: p.Name, Country: p.Country, Sector: p.Sector, Identity: p.Identity, Keys: []map[string]any{}})
}

// handleListParticipants answers GET /v1/admin/participants and
// GET /v1/participants: every participant with its keys.
func (s *Server) handleListParticipants(w http.ResponseWriter, r *http.Request) {
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	ps, err := store.Participants(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	keys, err := store.Keys(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	byOwner := map[string][]map[string]any{}
	for _, k := range keys {
		doc, err := auth.KeyDocument(k)
		if err != nil {
			fail(w, r, err)
			return
		}
		byOwner[k.Participant] = append(byOwner[k.Participant], doc)
	}
	views := make([]participantView, len(ps))
	for i, p := range ps {
		views[i] = participantView{ID: p.ID, Name: p.Name, Country: p.Country, Sector: p.Sector, Identity: p.Identity, Keys: byOwner[p.ID]}
		if views[i].Keys == nil {
			views[i].Keys = []map[string]any{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"participants": views})
}

// handleParticipantJWKS answers GET /v1/participants/{id}/jwks: the
// participant's keys, revoked ones included with their revocation time.
func (s *Server) handleParticipantJWKS(w http.ResponseWriter, r *http.Request) {
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !storableText(id) {
		fail(w, r, ErrNotFound)
		return
	}
	if _, err := store.Participant(r.Context(), id); err != nil {
		fail(w, r, err)
		return
	}
	keys, err := store.ParticipantKeys(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	doc, err := auth.MarshalJWKS(keys)
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
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	if !storableText(r.PathValue("id")) {
		fail(w, r, ErrNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		fail(w, r, err)
		return
	}
	jwk, err := auth.ParseJWK(body)
	if err != nil {
		failAdmin(w, r, err)
		return
	}
	k, err := auth.NewKey(r.PathValue("id"), jwk, s.deps.Now())
	if err != nil {
		failAdmin(w, r, err)
		return
	}
	if err := store.AddKey(r.Context(), k); err != nil {
		failAdmin(w, r, err)
		return
	}
	writeKey(w, r, http.StatusCreated, k)
}

// handleRevokeKey answers POST /v1/admin/keys/{kid}/revoke.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	if !storableText(r.PathValue("kid")) {
		fail(w, r, ErrNotFound)
		return
	}
	k, err := store.RevokeKey(r.Context(), r.PathValue("kid"), s.deps.Now())
	if err != nil {
		failAdmin(w, r, err)
		return
	}
	writeKey(w, r, http.StatusOK, k)
}

func writeKey(w http.ResponseWriter, r *http.Request, status int, k auth.Key) {
	doc, err := auth.KeyDocument(k)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, status, doc)
}

// handleIssueToken answers POST /v1/admin/tokens.
func (s *Server) handleIssueToken(w http.ResponseWriter, r *http.Request) {
	if s.deps.Admin.Tokens == nil {
		fail(w, r, fmt.Errorf("issue token: %w: no token authority configured", ErrUnavailable))
		return
	}
	var req TokenRequest
	if !decodeAdminBody(w, r, &req) {
		return
	}
	ttl, err := time.ParseDuration(req.TTL)
	if err != nil {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "ttl must be a duration such as 1h"))
		return
	}
	c := auth.TokenClaims{Subject: req.Subject, Org: req.Org, Tier: req.Tier, Scopes: strings.Fields(req.Scope), TTL: ttl}
	if c.Org != "" && s.deps.Admin.Store != nil {
		if _, err := s.deps.Admin.Store.Participant(r.Context(), c.Org); err != nil {
			failAdmin(w, r, fmt.Errorf("issue token for %s: %w", c.Org, err))
			return
		}
	}
	now := s.deps.Now()
	token, jti, err := s.deps.Admin.Tokens.Issue(r.Context(), c)
	if err != nil {
		failAdmin(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, TokenResponse{Token: token, JTI: jti, Expires: now.Add(ttl).UTC().Truncate(time.Second)})
}

// handleRevokeToken answers POST /v1/admin/tokens/revoke. The entry is kept
// until the token's exp, or for the maximum token lifetime when only the
// jti is given.
func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	store, ok := s.adminStore(w, r)
	if !ok {
		return
	}
	if s.deps.Admin.Tokens == nil {
		fail(w, r, fmt.Errorf("revoke token: %w: no token authority configured", ErrUnavailable))
		return
	}
	var req TokenRevocation
	if !decodeAdminBody(w, r, &req) {
		return
	}
	jti, expires := req.JTI, s.deps.Now().Add(s.deps.Admin.Tokens.MaxLifetime())
	if req.Token != "" {
		var err error
		if jti, expires, err = auth.TokenExpiry(req.Token); err != nil {
			fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "token is not a JWT with jti and exp"))
			return
		}
	}
	if jti == "" {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "jti or token is required"))
		return
	}
	if !storableText(jti) {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, "jti must be text without NUL"))
		return
	}
	if err := store.RevokeToken(r.Context(), jti, expires); err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jti": jti, "revoked": true})
}

// handleHubJWKS answers GET /.well-known/jwks.json: the public halves of
// the hub's keys (tokens, receipts).
func (s *Server) handleHubJWKS(w http.ResponseWriter, r *http.Request) {
	if s.deps.Admin.Tokens == nil {
		fail(w, r, fmt.Errorf("hub jwks: %w: no token authority configured", ErrUnavailable))
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(s.deps.Admin.Tokens.JWKS())
}

// decodeAdminBody decodes a small JSON body strictly into v.
func decodeAdminBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if isMaxBytes(err) {
			fail(w, r, err)
			return false
		}
		fail(w, r, NewProblem(http.StatusBadRequest, CodeInvalidJSON, "body must be one JSON object with the documented members"))
		return false
	}
	if dec.More() {
		fail(w, r, NewProblem(http.StatusBadRequest, CodeInvalidJSON, "trailing data after the JSON body"))
		return false
	}
	return true
}

// failAdmin answers registry input errors with 400 and everything else as
// fail does.
func failAdmin(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrInvalidParticipant), errors.Is(err, auth.ErrInvalidKey), errors.Is(err, auth.ErrTokenClaims):
		fail(w, r, NewProblem(http.StatusBadRequest, CodeBadRequest, err.Error()))
	case errors.Is(err, ErrNotFound), errors.Is(err, auth.ErrKeyNotFound):
		fail(w, r, NewProblem(http.StatusNotFound, CodeNotFound, ""))
	default:
		fail(w, r, err)
	}
}
