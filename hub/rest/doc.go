// Package rest is the HTTP adapter of the hub: the JSON API of API.md
// (ingest, receipts, history queries, lookups, provenance, participants,
// admin), health and readiness probes and /metrics.
//
// It translates HTTP into calls of the service core (package hub:
// IngestService, QueryService, AdminService) and the core's typed errors
// into RFC 9457 problems through hub/problem, the one error writer of
// every HTTP surface. It holds no rule of its own beyond the protocol:
// media types, query parameters, body limits, the route table with each
// route's access rule, request timeouts, access logs and request metrics.
//
// Routes are one table (routes.go): a ServeMux pattern, an access rule
// (public, any token, a scope, or a scope widened to anonymous readers
// when public access is on), the handler, and whether the route streams
// (no request timeout). Adding a channel that speaks HTTP (TAXII, exports)
// means a new adapter package mounted by cmd/jag next to this one, not
// routes here.
//
// Hostile clients are bounded here, in bytes and time: LimitListener caps
// connections per client address and in total (503 beyond, before any
// request handling); every request body must arrive within a grace plus
// its size at a minimum rate (BodyTiming), on every route; answers must be
// written within twice the request timeout; ingest holds a byte budget
// across concurrent bundles (IngestBudget; 503 with Retry-After); answers
// of objects are streamed and paged by the query service's byte budget;
// the access log redacts anything token-shaped in paths; /metrics needs
// an admin token (MetricsHandler serves it on a private listener).
//
// A Server is safe for concurrent use once built; handlers never keep
// request state in the Server.
package rest
