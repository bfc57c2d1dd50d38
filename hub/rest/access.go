package rest

import (
	"net/http"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// access is a route's rule for who may call it. The zero value is invalid,
// so a route without an explicit rule cannot be registered (deny by default).
type access struct {
	kind  accessKind
	scope string
}

type accessKind int

const (
	_                      accessKind = iota
	accessPublic                      // anyone, no token
	accessToken                       // any valid token
	accessScope                       // a valid token with scope
	accessScopeOrAnonymous            // a token with scope, or anonymous when public access is enabled
)

var (
	public   = access{kind: accessPublic}
	anyToken = access{kind: accessToken}
)

func scope(s string) access { return access{kind: accessScope, scope: s} }

// readOrAnonymous is scope read, widened to anonymous callers when public
// access is configured (they then see TLP:CLEAR only).
var readOrAnonymous = access{kind: accessScopeOrAnonymous, scope: "read"}

func (a access) String() string {
	switch a.kind {
	case accessPublic:
		return "public"
	case accessToken:
		return "token"
	case accessScope:
		return "scope:" + a.scope
	case accessScopeOrAnonymous:
		return "scope:" + a.scope + "|anonymous"
	}
	return "invalid"
}

// guard wraps h with the route's access rule.
func (s *Server) guard(a access, h http.Handler) http.Handler {
	if a.kind == 0 {
		panic("rest: route without access rule")
	}
	if a.kind == accessPublic {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		switch {
		case !ok && a.kind == accessScopeOrAnonymous && s.cfg.PublicAccess:
			h.ServeHTTP(w, r)
		case !ok:
			refuse(w, r, hub.CodeUnauthorized, "a valid bearer token is required")
		case a.kind != accessToken && !p.HasScope(a.scope):
			refuse(w, r, hub.CodeForbidden, "the token lacks scope "+a.scope)
		default:
			h.ServeHTTP(w, r)
		}
	})
}
