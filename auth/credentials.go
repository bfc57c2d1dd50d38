package auth

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// maxCredentialBytes bounds the Authorization header value considered;
// the HTTP server's MaxHeaderBytes bounds it too, this keeps the decoding
// of a Basic value small whatever the server configuration.
const maxCredentialBytes = 16 << 10

// CredentialsFromRequest returns the JAG access token a request presents
// in its Authorization header, in any of the forms real TAXII and export
// consumers send (the scheme is case-insensitive):
//
//	Bearer <token>
//	Token <token>                      (taxii2-client's TokenAuth)
//	Basic base64(<anything>:<token>)   (Sentinel, Splunk, MISP: the user name is ignored)
//
// It returns "" and no error when the request has no Authorization header.
// A header in another form, an empty token, or a token in the URL query
// string (which ends up in logs and histories) is an error wrapping
// ErrUnauthorized. The error never contains the token.
func CredentialsFromRequest(r *http.Request) (string, error) {
	q := r.URL.Query()
	for _, name := range queryTokenParams {
		if q.Has(name) {
			return "", fmt.Errorf("%w: %w", ErrUnauthorized, ErrTokenInQuery)
		}
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil
	}
	if len(h) > maxCredentialBytes {
		return "", fmt.Errorf("%w: %w: Authorization header too long", ErrUnauthorized, ErrMalformed)
	}
	scheme, value, _ := strings.Cut(strings.TrimSpace(h), " ")
	value = strings.TrimSpace(value)
	var token string
	switch {
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "Token"):
		token = value
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return "", fmt.Errorf("%w: %w: Basic credentials are not base64", ErrUnauthorized, ErrMalformed)
		}
		_, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", fmt.Errorf("%w: %w: Basic credentials lack a password", ErrUnauthorized, ErrMalformed)
		}
		token = strings.TrimSpace(pass)
	default:
		return "", fmt.Errorf("%w: %w: Authorization scheme must be Basic, Bearer or Token", ErrUnauthorized, ErrMalformed)
	}
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", fmt.Errorf("%w: %w: empty or malformed access token", ErrUnauthorized, ErrMalformed)
	}
	return token, nil
}
