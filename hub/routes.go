package hub

import "net/http"

// route is one line of the route table: a ServeMux pattern, who may call
// it, and the handler.
type route struct {
	pattern string
	access  access
	handler http.HandlerFunc
}

// streaming reports whether the route holds its connection open (the
// websocket feed): no request timeout applies to it.
func (rt route) streaming() bool { return rt.pattern == "GET /v1/feed" }

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

		// Participant registry, keys and tokens (admin.go).
		{"POST /v1/admin/participants", scope("admin"), s.handleCreateParticipant},
		{"GET /v1/admin/participants", scope("admin"), s.handleListParticipants},
		{"POST /v1/admin/participants/{id}/keys", scope("admin"), s.handleAddKey},
		{"POST /v1/admin/keys/{kid}/revoke", scope("admin"), s.handleRevokeKey},
		{"POST /v1/admin/tokens", scope("admin"), s.handleIssueToken},
		{"POST /v1/admin/tokens/revoke", scope("admin"), s.handleRevokeToken},
		{"GET /v1/participants", scope("read"), s.handleListParticipants},
		{"GET /v1/participants/{id}/jwks", anyToken, s.handleParticipantJWKS},
		{"GET /.well-known/jwks.json", public, s.handleHubJWKS},

		// Transparency log (package tlogapi): checkpoints, tiles, entry
		// bundles, witness cosignatures. Any token: entries reveal no
		// object, org or submission (see package translog).
		{"GET /v1/log/", anyToken, s.handleLog},
		{"POST /v1/log/cosignatures", anyToken, s.handleLog},

		// Anything else: a problem+json 404 rather than the mux's text.
		{"/", public, s.handleNotFound},
	}
}
