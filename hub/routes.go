package hub

import "net/http"

// route is one line of the route table: a ServeMux pattern, who may call
// it, and the handler.
type route struct {
	pattern string
	access  access
	handler http.HandlerFunc
}

// routes is the one route table of the hub. Every route states its access
// rule; TestRoutesHaveAccessRules fails on any that does not.
func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", public, s.handleHealthz},
		{"GET /readyz", public, s.handleReadyz},
		{"GET /metrics", public, s.handleMetrics},

		// Anything else: a problem+json 404 rather than the mux's text.
		{"/", public, s.handleNotFound},
	}
}
