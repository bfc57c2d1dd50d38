package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/jag-hub/jag/hub"
)

// handleHealthz answers liveness: the process serves HTTP.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers readiness: the database answers and its schema is
// one this binary can serve.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready == nil {
		refuse(w, r, hub.CodeUnavailable, "no database configured")
		return
	}
	if err := s.ready.Ready(ctx); err != nil {
		s.log.Warn().Err(err).Msg("not ready")
		refuse(w, r, hub.CodeUnavailable, "database unreachable or schema not compatible")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	refuse(w, r, hub.CodeNotFound, "no such endpoint")
}
