package rest

import (
	"net/http"
	"regexp"
	"time"

	"github.com/rs/zerolog/hlog"
)

// logRequests gives every request a request-scoped logger with an id and
// writes one access line. It logs the path only, redacted (loggedPath):
// query strings may carry tokens (which are refused) or search terms, and
// never reach the log; neither do headers.
func (s *Server) logRequests(h http.Handler) http.Handler {
	access := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ev := hlog.FromRequest(r).Info().
			Str("method", r.Method).
			Str("path", loggedPath(r.URL.Path)).
			Int("status", status).
			Int("bytes", size).
			Dur("duration", d)
		ev.Msg("request")
	})
	return hlog.NewHandler(s.log)(hlog.RequestIDHandler("request_id", "X-Request-Id")(access(h)))
}

// maxLoggedPath bounds the path of an access line.
const maxLoggedPath = 256

var (
	// tokenParam is a credential-named parameter anywhere in a path
	// (";access_token=…", "/token=…").
	tokenParam = regexp.MustCompile(`(?i)((?:access_token|id_token|refresh_token|token|jwt|bearer|authorization|auth|key|secret|password)[=:])[^/;&?,]*`)
	// jwtLike is anything shaped like a JWS or JWE in compact form: at
	// least two dot-separated base64url runs (a JWT header alone,
	// "eyJ…", also counts).
	jwtLike = regexp.MustCompile(`[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*){1,4}\.[A-Za-z0-9_\-]{8,}|eyJ[A-Za-z0-9_\-]{8,}`)
)

// loggedPath is p as the access log shows it: credential-named
// parameters and anything that looks like a token replaced by
// "[redacted]", and at most maxLoggedPath bytes.
func loggedPath(p string) string {
	p = tokenParam.ReplaceAllString(p, "${1}[redacted]")
	p = jwtLike.ReplaceAllString(p, "[redacted]")
	if len(p) > maxLoggedPath {
		p = p[:maxLoggedPath] + "…"
	}
	return p
}
