package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// TokenVerifier turns a bearer token into a principal; *Authority is one.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (*Principal, error)
}

var _ TokenVerifier = (*Authority)(nil)

// ErrorWriter renders an authentication or authorization failure; the hub
// passes its problem+json writer, which maps the error to its status.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// queryTokenParams are query parameters that would carry a token.
var queryTokenParams = []string{"access_token", "token", "bearer", "jwt"}

// BearerToken returns the request's access token: the Authorization header
// (Bearer, Token, or Basic with the token as the password; see
// CredentialsFromRequest), or for browsers' websockets a "bearer.<token>" entry of the
// Sec-WebSocket-Protocol list. "" when there is none. A token in the URL
// query string is ErrTokenInQuery (a URL ends up in logs and histories).
func BearerToken(r *http.Request) (string, error) {
	q := r.URL.Query()
	for _, name := range queryTokenParams {
		if q.Has(name) {
			return "", fmt.Errorf("%w: %w", ErrUnauthorized, ErrTokenInQuery)
		}
	}
	if r.Header.Get("Authorization") != "" {
		// Bearer, Token, or Basic with the token as the password
		// (credentials.go): what appliances and TAXII clients send.
		return CredentialsFromRequest(r)
	}
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if token, ok := strings.CutPrefix(strings.TrimSpace(p), "bearer."); ok && token != "" {
				return token, nil
			}
		}
	}
	return "", nil
}

// Authenticate returns middleware that puts the principal of a valid bearer
// token into the request context. A request without a token passes through
// without a principal (Require decides); a bad token, or a token in the URL
// query string, is answered through fail with an error wrapping
// ErrUnauthorized. An error of the revocation store is passed to fail as
// it is (the hub answers 503). fail nil means WriteError.
func Authenticate(v TokenVerifier, fail ErrorWriter) func(http.Handler) http.Handler {
	if fail == nil {
		fail = WriteError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, err := BearerToken(r)
			if err != nil {
				fail(w, r, err)
				return
			}
			if token == "" {
				next.ServeHTTP(w, r)
				return
			}
			p, err := v.Verify(r.Context(), token)
			if err != nil {
				fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
		})
	}
}

// WriteError is a minimal problem+json ErrorWriter in the hub's format:
// 401 unauthorized for ErrUnauthorized, 403 forbidden for ErrForbidden,
// and 503 unavailable (Retry-After: 2) for anything else, which can only be
// a failure of the revocation store. The detail never includes the token.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	status, code := http.StatusServiceUnavailable, "unavailable"
	switch {
	case errors.Is(err, ErrUnauthorized):
		status, code = http.StatusUnauthorized, "unauthorized"
		w.Header().Set("WWW-Authenticate", `Bearer realm="jag"`)
	case errors.Is(err, ErrForbidden):
		status, code = http.StatusForbidden, "forbidden"
	default:
		w.Header().Set("Retry-After", "2")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"https://jag.example/problems/%s","title":%q,"status":%d,"code":%q}`+"\n", code, http.StatusText(status), status, code)
}
