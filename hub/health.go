package hub

import (
	"context"
	"net/http"
	"time"
)

// handleHealthz answers liveness: the process serves HTTP.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers readiness: the database answers and its schema is
// the one this binary expects.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.ready == nil {
		writeProblem(w, NewProblem(http.StatusServiceUnavailable, CodeUnavailable, "no database configured"))
		return
	}
	if err := s.ready.Ready(ctx); err != nil {
		s.log.Warn().Err(err).Msg("not ready")
		p := NewProblem(http.StatusServiceUnavailable, CodeUnavailable, "database unreachable or schema not current")
		p.RetryAfter = 2
		writeProblem(w, p)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, NewProblem(http.StatusNotFound, CodeNotFound, "no such endpoint"))
}
