package rest

import (
	"net/http"
	"time"

	"github.com/rs/zerolog/hlog"
)

// logRequests gives every request a request-scoped logger with an id and
// writes one access line. It logs the path only: query strings may carry
// tokens (which are refused) or search terms, and never reach the log.
func (s *Server) logRequests(h http.Handler) http.Handler {
	access := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ev := hlog.FromRequest(r).Info().
			Str("method", r.Method).
			Str("path", r.URL.Path).
			Int("status", status).
			Int("bytes", size).
			Dur("duration", d)
		ev.Msg("request")
	})
	return hlog.NewHandler(s.log)(hlog.RequestIDHandler("request_id", "X-Request-Id")(access(h)))
}
