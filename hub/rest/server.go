package rest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub"
)

// Config is the REST API's behaviour that operators choose.
type Config struct {
	// PublicAccess lets anonymous requests read TLP:CLEAR objects.
	PublicAccess bool
	// MaxBodyBytes bounds every request body (default 16 MiB).
	MaxBodyBytes int64
	// RequestTimeout bounds the work of one non-streaming request
	// (default 30 s); writing its answer must end within twice that.
	RequestTimeout time.Duration
	// Body bounds the reading of request bodies in time.
	Body BodyTiming
	// Ingest bounds the bundles ingested at once in bytes.
	Ingest IngestBudget
}

// Deps are the collaborators a Server is built from; cmd/jag wires them.
// A nil service answers 503 on its routes.
type Deps struct {
	Log      zerolog.Logger
	Registry *prometheus.Registry
	Ready    hub.Readiness
	// Authenticate puts the caller's principal (if it presented a valid
	// token) into the request context; nil treats every request as
	// anonymous.
	Authenticate func(http.Handler) http.Handler

	// Ingest serves POST /v1/bundles and GET /v1/submissions/{id}.
	Ingest *hub.IngestService
	// Queries serves the read paths: objects, history search, lookups and
	// provenance.
	Queries *hub.QueryService
	// Admin serves the participant registry, keys and tokens
	// (/v1/admin/…, /v1/participants…, /.well-known/jwks.json).
	Admin *hub.AdminService
	// Collections serves the TAXII collection admin routes
	// (/v1/admin/collections…).
	Collections *hub.CollectionService
	// Feed serves the websocket alert feed GET /v1/feed (package feeds);
	// nil answers 503.
	Feed http.Handler
	// Exports serves the flat exports (/v1/exports/…) and their named
	// definitions (/v1/admin/exports…); nil answers 503.
	Exports *hub.ExportService
	// IngestBudget bounds the bundles ingested at once in bytes, shared
	// with the process's other ingest channels; nil builds one from
	// Config.Ingest.
	IngestBudget *hub.ByteBudget
	// Mounts are the HTTP handlers of other channels (TAXII, exports, …),
	// each served under its own pattern beside the API's routes.
	Mounts []Mount
}

// Mount is another channel's HTTP handler served by the same server: it
// gets what every request gets (access log, metrics, the body limit, the
// request timeout unless Streaming, and the caller's principal in the
// context when authentication succeeded; a refused token is answered by
// the authentication middleware before it), and it enforces its own
// access rules with auth.FromContext and answers errors with hub/problem.
type Mount struct {
	// Pattern is a ServeMux pattern, e.g. "/taxii2/" (a subtree) or
	// "GET /v1/export"; it must not overlap the API's routes.
	Pattern string
	Handler http.Handler
	// Streaming exempts the mount from the request timeout.
	Streaming bool
}

// router is what a mounted handler that routes by pattern (an
// *http.ServeMux) offers: metrics then count its requests under its own
// pattern instead of the mount's.
type router interface {
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// Server serves the HTTP API.
type Server struct {
	cfg     Config
	deps    Deps
	log     zerolog.Logger
	ready   hub.Readiness
	reg     *prometheus.Registry
	metrics *httpMetrics
	authn   func(http.Handler) http.Handler
	handler http.Handler
	mux     *http.ServeMux
	mounted map[string]router // by mount pattern
	methods []string          // every method of the route table, for Allow

	ingestBudget *hub.ByteBudget
}

// New builds a Server.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Ingest == nil {
		d.Ingest = hub.NewIngestService(hub.IngestConfig{}, nil, nil, nil, nil)
	}
	if d.Queries == nil {
		d.Queries = hub.NewQueryService(nil, nil)
	}
	if d.Admin == nil {
		d.Admin = hub.NewAdminService(nil, nil, nil)
	}
	s := &Server{cfg: cfg, deps: d, log: d.Log, ready: d.Ready, reg: d.Registry, authn: d.Authenticate, mounted: map[string]router{}}
	s.metrics = newHTTPMetrics(d.Registry)
	s.ingestBudget = d.IngestBudget
	if s.ingestBudget == nil {
		s.ingestBudget = cfg.Ingest.Budget()
	}
	s.handler = s.buildHandler()
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	for _, rt := range s.routes() {
		if method, _, ok := strings.Cut(rt.pattern, " "); ok && !slices.Contains(s.methods, method) {
			s.methods = append(s.methods, method)
		}
		var h http.Handler = rt.handler
		if !rt.streaming {
			h = withTimeout(s.cfg.RequestTimeout, h)
		}
		g := s.guard(rt.access, h)
		if rt.basicAuth {
			g = withBasicChallenge(g)
		}
		mux.Handle(rt.pattern, g)
	}
	for _, m := range s.deps.Mounts {
		h := m.Handler
		if !m.Streaming {
			h = withTimeout(s.cfg.RequestTimeout, h)
		}
		mux.Handle(m.Pattern, h) // panics on a pattern that conflicts with a route
		if r, ok := m.Handler.(router); ok {
			s.mounted[m.Pattern] = r
		}
	}
	var h http.Handler = mux
	if s.authn != nil {
		h = s.authn(h)
	}
	h = s.metrics.instrument(s.routeOf, h)
	h = limitBody(s.cfg.MaxBodyBytes, h)
	return Bound(s.cfg, s.logRequests(h))
}

// Bound applies the time bounds of cfg to h: request bodies (cfg.Body)
// and the writing of answers (twice cfg.RequestTimeout). Server.Handler
// has them; a channel served beside it that sets no deadlines of its own
// can be wrapped with it (TAXII sets its own).
func Bound(cfg Config, h http.Handler) http.Handler {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	return writeDeadline(2*cfg.RequestTimeout, bodyDeadline(cfg.Body, h))
}

// writeDeadline bounds the writing of every answer to d after its request
// arrived: a client that reads slowly loses its connection rather than
// holding it. The websocket upgrade clears the deadline (gorilla), and
// the feed then sets one per message.
func writeDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		h.ServeHTTP(w, r)
	})
}

// withTimeout bounds the work of a request: its context ends after d, so
// a stuck database call fails (503, see hub/problem) instead of holding a
// connection and a goroutine forever. Unlike http.TimeoutHandler it keeps
// the ResponseWriter intact.
func withTimeout(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitBody caps every request body (http.MaxBytesReader); handlers with a
// tighter limit wrap again.
func limitBody(n int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		h.ServeHTTP(w, r)
	})
}
