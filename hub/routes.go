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

		{"POST /v1/bundles", scope("submit"), s.handleSubmitBundle},
		// submit or read: checked by the handler (one rule holds one scope).
		{"GET /v1/submissions/{id}", anyToken, s.handleGetSubmission},

		{"GET /v1/objects", readOrAnonymous, s.handleSearch},
		{"GET /v1/objects/{id}", readOrAnonymous, s.handleObject},
		{"GET /v1/objects/{id}/provenance", readOrAnonymous, s.handleProvenance},
		{"GET /v1/lookup", readOrAnonymous, s.handleLookup},
		{"POST /v1/lookup", readOrAnonymous, s.handleLookupBatch},

		// Websocket feed: the token (header or "bearer." subprotocol) is
		// checked here, before the upgrade.
		{"GET /v1/feed", scope("read"), s.handleFeed},

		// Anything else: a problem+json 404 rather than the mux's text.
		{"/", public, s.handleNotFound},
	}
}
