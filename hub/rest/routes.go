package rest

import "net/http"

// route is one line of the route table: a ServeMux pattern, who may call
// it, the handler, and whether it streams (holds its connection open, as
// the websocket feed does): no request timeout applies to a streaming
// route.
type route struct {
	pattern   string
	access    access
	handler   http.HandlerFunc
	streaming bool
	// basicAuth adds a Basic challenge to a 401 (appliances' credentials).
	basicAuth bool
}

// routes is the one route table of the hub. Every route states its access
// rule; TestRoutesHaveAccessRules fails on any that does not.
func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /healthz", access: public, handler: s.handleHealthz},
		{pattern: "GET /readyz", access: public, handler: s.handleReadyz},
		// Metrics reveal activity (feed position, submission counters):
		// admin only here; cmd/jag can serve them on a private listener
		// (MetricsHandler).
		{pattern: "GET /metrics", access: scope("admin"), handler: s.handleMetrics},

		{pattern: "POST /v1/bundles", access: scope("submit"), handler: s.handleSubmitBundle},
		// submit or read: checked by the handler (one rule holds one scope).
		{pattern: "GET /v1/submissions/{id}", access: anyToken, handler: s.handleGetSubmission},

		{pattern: "GET /v1/objects", access: readOrAnonymous, handler: s.handleSearch},
		{pattern: "GET /v1/objects/{id}", access: readOrAnonymous, handler: s.handleObject},
		{pattern: "GET /v1/objects/{id}/provenance", access: readOrAnonymous, handler: s.handleProvenance},
		{pattern: "GET /v1/lookup", access: readOrAnonymous, handler: s.handleLookup},
		{pattern: "POST /v1/lookup", access: readOrAnonymous, handler: s.handleLookupBatch},

		// Websocket feed: the token (header or "bearer." subprotocol) is
		// checked here, before the upgrade.
		{pattern: "GET /v1/feed", access: scope("read"), handler: s.handleFeed, streaming: true},

		// Participant registry, keys and tokens (admin.go).
		{pattern: "POST /v1/admin/participants", access: scope("admin"), handler: s.handleCreateParticipant},
		{pattern: "GET /v1/admin/participants", access: scope("admin"), handler: s.handleListParticipants},
		{pattern: "POST /v1/admin/participants/{id}/keys", access: scope("admin"), handler: s.handleAddKey},
		{pattern: "POST /v1/admin/keys/{kid}/revoke", access: scope("admin"), handler: s.handleRevokeKey},
		{pattern: "POST /v1/admin/tokens", access: scope("admin"), handler: s.handleIssueToken},
		{pattern: "POST /v1/admin/tokens/revoke", access: scope("admin"), handler: s.handleRevokeToken},
		// TAXII collections (collections.go).
		{pattern: "POST /v1/admin/collections", access: scope("admin"), handler: s.handleCreateCollection},
		{pattern: "GET /v1/admin/collections", access: scope("admin"), handler: s.handleListCollections},
		{pattern: "DELETE /v1/admin/collections/{id}", access: scope("admin"), handler: s.handleDeleteCollection},
		{pattern: "GET /v1/participants", access: scope("read"), handler: s.handleListParticipants},
		{pattern: "GET /v1/participants/{id}/jwks", access: anyToken, handler: s.handleParticipantJWKS},
		{pattern: "GET /.well-known/jwks.json", access: public, handler: s.handleHubJWKS},

		// Flat exports (export.go): long bodies with their own bounds.
		{pattern: "GET /v1/exports/{format}", access: readOrAnonymous, handler: s.handleExport, streaming: true, basicAuth: true},
		{pattern: "GET /v1/exports/by-name/{name}", access: readOrAnonymous, handler: s.handleExportByName, streaming: true, basicAuth: true},
		{pattern: "GET /v1/admin/exports", access: scope("admin"), handler: s.handleListExports},
		{pattern: "GET /v1/admin/exports/{name}", access: scope("admin"), handler: s.handleGetExport},
		{pattern: "PUT /v1/admin/exports/{name}", access: scope("admin"), handler: s.handlePutExport},
		{pattern: "DELETE /v1/admin/exports/{name}", access: scope("admin"), handler: s.handleDeleteExport},

		// Anything else: a problem+json 404 rather than the mux's text.
		{pattern: "/", access: public, handler: s.handleNotFound},
	}
}
