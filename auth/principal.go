package auth

import (
	"context"
	"slices"
	"time"
)

// Tiers of a principal (API.md section 2).
const (
	TierMember    = "member"    // staff of a participant org
	TierClient    = "client"    // a constituent the org serves
	TierCommunity = "community" // a registered partner that is not a participant
)

// Tiers lists the valid tiers.
var Tiers = []string{TierMember, TierClient, TierCommunity}

// Scopes a token may carry.
const (
	ScopeSubmit = "submit"
	ScopeRead   = "read"
	ScopeAdmin  = "admin"
)

// Scopes lists the valid scopes.
var Scopes = []string{ScopeSubmit, ScopeRead, ScopeAdmin}

// Principal is the authenticated caller.
type Principal struct {
	Subject string
	Org     string // participant identity id; "" when none
	Tier    string // one of Tiers
	JTI     string
	Scopes  []string
	Expires time.Time
}

// HasScope reports whether the principal was granted scope s. A nil
// principal has no scope.
func (p *Principal) HasScope(s string) bool {
	return p != nil && slices.Contains(p.Scopes, s)
}

type contextKey struct{}

// NewContext returns a copy of ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, contextKey{}, p)
}

// FromContext returns the principal in ctx, if any.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(contextKey{}).(*Principal)
	return p, ok && p != nil
}
