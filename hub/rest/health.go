package rest

import (
	"context"
	"net/http"
	"strings"
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

// handleNotFound answers what no route matches: 405 with Allow when the
// path is a route's under another method, 404 otherwise.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		refuse(w, r, hub.CodeMethodNotAllowed, r.Method+" is not allowed here; use "+strings.Join(allow, " or "))
		return
	}
	refuse(w, r, hub.CodeNotFound, "no such endpoint")
}

// allowed returns the methods the route table serves r's path with (HEAD
// with GET, as the ServeMux does).
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range s.methods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}
