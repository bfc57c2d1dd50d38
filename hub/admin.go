package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
)

// AdminStore is the participant registry and token revocation list the
// administration service manages. *postgres.DB implements it.
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

// AdminService manages the participant registry, keys and tokens. Callers
// (channels) check the admin scope; the service checks the input. Without
// a store or authority the methods that need them are ErrUnavailable.
type AdminService struct {
	store  AdminStore
	tokens TokenAuthority
	now    func() time.Time
}

// NewAdminService returns the administration service; now nil means
// time.Now.
func NewAdminService(store AdminStore, tokens TokenAuthority, now func() time.Time) *AdminService {
	if now == nil {
		now = time.Now
	}
	return &AdminService{store: store, tokens: tokens, now: now}
}

// ParticipantRequest is a participant to register.
type ParticipantRequest struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	Sector  string `json:"sector,omitempty"`
}

// TokenRequest is an access token to issue.
type TokenRequest struct {
	Subject string `json:"sub,omitempty"`
	Org     string `json:"org"`
	Tier    string `json:"tier"`
	Scope   string `json:"scope"` // space-separated
	TTL     string `json:"ttl"`   // Go duration, e.g. "1h"
}

// TokenResponse is an issued token.
type TokenResponse struct {
	Token   string    `json:"token"`
	JTI     string    `json:"jti"`
	Expires time.Time `json:"expires"`
}

// TokenRevocation names a token to revoke: by jti, or the token itself.
type TokenRevocation struct {
	JTI   string `json:"jti,omitempty"`
	Token string `json:"token,omitempty"`
}

// ParticipantView is a participant as the hub publishes it: the identity
// object and the participant's keys (JWKs with their registry metadata).
type ParticipantView struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	Country  string           `json:"country,omitempty"`
	Sector   string           `json:"sector,omitempty"`
	Identity json.RawMessage  `json:"identity"`
	Keys     []map[string]any `json:"keys"`
}

func (s *AdminService) registry(op string) (AdminStore, error) {
	if s.store == nil {
		return nil, fmt.Errorf("%s: %w: no registry configured", op, ErrUnavailable)
	}
	return s.store, nil
}

func (s *AdminService) authority(op string) (TokenAuthority, error) {
	if s.tokens == nil {
		return nil, fmt.Errorf("%s: %w: no token authority configured", op, ErrUnavailable)
	}
	return s.tokens, nil
}

// CreateParticipant registers a participant (ErrConflict if it exists).
func (s *AdminService) CreateParticipant(ctx context.Context, req ParticipantRequest) (ParticipantView, error) {
	store, err := s.registry("create participant")
	if err != nil {
		return ParticipantView{}, err
	}
	p, err := auth.NewParticipant(req.ID, req.Name, req.Country, req.Sector, s.now())
	if err != nil {
		return ParticipantView{}, adminError(err)
	}
	if err := store.CreateParticipant(ctx, p); err != nil {
		return ParticipantView{}, adminError(err)
	}
	return ParticipantView{ID: p.ID, Name: p.Name, Country: p.Country, Sector: p.Sector, Identity: p.Identity, Keys: []map[string]any{}}, nil
}

// Participants returns every participant with its keys.
func (s *AdminService) Participants(ctx context.Context) ([]ParticipantView, error) {
	store, err := s.registry("list participants")
	if err != nil {
		return nil, err
	}
	ps, err := store.Participants(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	byOwner := map[string][]map[string]any{}
	for _, k := range keys {
		doc, err := auth.KeyDocument(k)
		if err != nil {
			return nil, err
		}
		byOwner[k.Participant] = append(byOwner[k.Participant], doc)
	}
	views := make([]ParticipantView, len(ps))
	for i, p := range ps {
		views[i] = ParticipantView{ID: p.ID, Name: p.Name, Country: p.Country, Sector: p.Sector, Identity: p.Identity, Keys: byOwner[p.ID]}
		if views[i].Keys == nil {
			views[i].Keys = []map[string]any{}
		}
	}
	return views, nil
}

// ParticipantJWKS returns the JWK set of participant id's keys, revoked
// ones included with their revocation time. Unknown is ErrNotFound.
func (s *AdminService) ParticipantJWKS(ctx context.Context, id string) ([]byte, error) {
	store, err := s.registry("participant jwks")
	if err != nil {
		return nil, err
	}
	if !StorableText(id) {
		return nil, ErrNotFound
	}
	if _, err := store.Participant(ctx, id); err != nil {
		return nil, err
	}
	keys, err := store.ParticipantKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	return auth.MarshalJWKS(keys)
}

// AddKey registers the public JWK jwk (with "alg" for RSA keys) to
// participant id and returns the key's document.
func (s *AdminService) AddKey(ctx context.Context, id string, jwk []byte) (map[string]any, error) {
	store, err := s.registry("add key")
	if err != nil {
		return nil, err
	}
	if !StorableText(id) {
		return nil, ErrNotFound
	}
	parsed, err := auth.ParseJWK(jwk)
	if err != nil {
		return nil, adminError(err)
	}
	k, err := auth.NewKey(id, parsed, s.now())
	if err != nil {
		return nil, adminError(err)
	}
	if err := store.AddKey(ctx, k); err != nil {
		return nil, adminError(err)
	}
	return auth.KeyDocument(k)
}

// RevokeKey revokes key kid now and returns its document.
func (s *AdminService) RevokeKey(ctx context.Context, kid string) (map[string]any, error) {
	store, err := s.registry("revoke key")
	if err != nil {
		return nil, err
	}
	if !StorableText(kid) {
		return nil, ErrNotFound
	}
	k, err := store.RevokeKey(ctx, kid, s.now())
	if err != nil {
		return nil, adminError(err)
	}
	return auth.KeyDocument(k)
}

// IssueToken issues an access token; its org, when given, must be a
// registered participant.
func (s *AdminService) IssueToken(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	tokens, err := s.authority("issue token")
	if err != nil {
		return TokenResponse{}, err
	}
	ttl, err := time.ParseDuration(req.TTL)
	if err != nil {
		return TokenResponse{}, Errorf(CodeBadRequest, "ttl must be a duration such as 1h")
	}
	c := auth.TokenClaims{Subject: req.Subject, Org: req.Org, Tier: req.Tier, Scopes: strings.Fields(req.Scope), TTL: ttl}
	if !StorableText(c.Org) || !StorableText(c.Subject) {
		return TokenResponse{}, Errorf(CodeBadRequest, "org and sub must be text without NUL")
	}
	if c.Org != "" && s.store != nil {
		if _, err := s.store.Participant(ctx, c.Org); err != nil {
			return TokenResponse{}, adminError(fmt.Errorf("issue token for %s: %w", c.Org, err))
		}
	}
	now := s.now()
	token, jti, err := tokens.Issue(ctx, c)
	if err != nil {
		return TokenResponse{}, adminError(err)
	}
	return TokenResponse{Token: token, JTI: jti, Expires: now.Add(ttl).UTC().Truncate(time.Second)}, nil
}

// RevokeToken revokes a token. The entry is kept until the token's exp,
// or for the maximum token lifetime when only the jti is given. It
// returns the revoked jti.
func (s *AdminService) RevokeToken(ctx context.Context, req TokenRevocation) (string, error) {
	store, err := s.registry("revoke token")
	if err != nil {
		return "", err
	}
	tokens, err := s.authority("revoke token")
	if err != nil {
		return "", err
	}
	jti, expires := req.JTI, s.now().Add(tokens.MaxLifetime())
	if req.Token != "" {
		if jti, expires, err = auth.TokenExpiry(req.Token); err != nil {
			return "", Errorf(CodeBadRequest, "token is not a JWT with jti and exp")
		}
	}
	if jti == "" {
		return "", Errorf(CodeBadRequest, "jti or token is required")
	}
	if !StorableText(jti) {
		return "", Errorf(CodeBadRequest, "jti must be text without NUL")
	}
	if err := store.RevokeToken(ctx, jti, expires); err != nil {
		return "", err
	}
	return jti, nil
}

// HubJWKS returns the public halves of the hub's keys (tokens, receipts).
func (s *AdminService) HubJWKS() (jose.JSONWebKeySet, error) {
	tokens, err := s.authority("hub jwks")
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return tokens.JWKS(), nil
}

// adminError maps registry input errors to CodeBadRequest and unknown
// participants or keys to ErrNotFound.
func adminError(err error) error {
	switch {
	case errors.Is(err, auth.ErrInvalidParticipant), errors.Is(err, auth.ErrInvalidKey), errors.Is(err, auth.ErrTokenClaims):
		return &Error{Code: CodeBadRequest, Detail: err.Error()}
	case errors.Is(err, auth.ErrKeyNotFound) && !errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
