package rest

import (
	"net/http"

	"github.com/jag-hub/jag/hub"
)

// handleFeed serves GET /v1/feed through the feed (package feeds), which
// upgrades the connection after its own pre-upgrade checks.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	if s.deps.Feed == nil {
		refuse(w, r, hub.CodeUnavailable, "the feed is not enabled on this replica")
		return
	}
	s.deps.Feed.ServeHTTP(w, r)
}
