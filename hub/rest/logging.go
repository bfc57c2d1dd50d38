package rest

import (
	"net/http"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
)

// logRequests gives every request a request-scoped logger with an id and
// writes one access line. It logs the path only, redacted (loggedPath):
// query strings may carry tokens (which are refused) or search terms, and
// never reach the log; neither do headers.
func (s *Server) logRequests(h http.Handler) http.Handler {
	access := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ev := hlog.FromRequest(r).Info()
		if !ev.Enabled() {
			return // below the log level: not even the path is redacted
		}
		ev = ev.Str("method", r.Method).
			Str("path", loggedPath(r.URL.Path)).
			Int("status", status).
			Int("bytes", size).
			Dur("duration", d)
		ev.Msg("request")
	})
	return hlog.NewHandler(s.log)(hlog.RequestIDHandler("request_id", "X-Request-Id")(access(h)))
}

// loggedPath is p as the access log shows it (auth.RedactPath).
func loggedPath(p string) string { return auth.RedactPath(p) }
