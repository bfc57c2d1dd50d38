package hub

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/stix"
)

// Config is the hub's behaviour that operators choose.
type Config struct {
	// PublicAccess lets anonymous requests read TLP:CLEAR objects.
	PublicAccess bool
	// MaxBodyBytes bounds every request body (default 16 MiB).
	MaxBodyBytes int64
	// RequestTimeout bounds the work of one non-streaming request
	// (default 30 s).
	RequestTimeout time.Duration
	// DefaultTLP applies to objects that carry no TLP marking (default amber).
	DefaultTLP stix.TLP
}

// Readiness is what /readyz asks storage.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Deps are the collaborators a Server is built from; cmd/jag wires them.
type Deps struct {
	Log      zerolog.Logger
	Registry *prometheus.Registry
	Ready    Readiness
	// Authenticate puts the caller's principal (if it presented a valid
	// token) into the request context; nil treats every request as
	// anonymous.
	Authenticate func(http.Handler) http.Handler
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time

	// Each service area adds its collaborators below, one field each,
	// declared as a small interface in the file of the handlers that use it.

	// Queries serves the read paths: objects, history search, lookups and
	// provenance (query.go).
	Queries Queries

	// Ingest serves POST /v1/bundles and GET /v1/submissions/{id} (ingest.go).
	Ingest IngestDeps

	// Feed serves the websocket alert feed GET /v1/feed (feed.go); nil
	// answers 503.
	Feed http.Handler

	// Admin serves the participant registry, keys and tokens
	// (/v1/admin/…, /v1/participants…, /.well-known/jwks.json; admin.go).
	Admin AdminDeps

	// TransparencyLog serves the transparency log under /v1/log/ (package tlogapi);
	// nil answers 503. LogProver adds log indexes and inclusion proofs to
	// provenance answers (translog.go); nil leaves them out.
	TransparencyLog http.Handler
	LogProver       LogProver
}

// Server serves the HTTP API.
type Server struct {
	cfg     Config
	deps    Deps
	log     zerolog.Logger
	ready   Readiness
	reg     *prometheus.Registry
	metrics *httpMetrics
	authn   func(http.Handler) http.Handler
	handler http.Handler
}

// New builds a Server.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.DefaultTLP == "" {
		cfg.DefaultTLP = stix.TLPAmber
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{cfg: cfg, deps: d, log: d.Log, ready: d.Ready, reg: d.Registry, authn: d.Authenticate}
	s.metrics = newHTTPMetrics(d.Registry)
	s.handler = s.buildHandler()
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		var h http.Handler = rt.handler
		if !rt.streaming() {
			h = withTimeout(s.cfg.RequestTimeout, h)
		}
		mux.Handle(rt.pattern, s.guard(rt.access, h))
	}
	var h http.Handler = mux
	if s.authn != nil {
		h = s.authn(h)
	}
	h = s.metrics.instrument(h)
	h = limitBody(s.cfg.MaxBodyBytes, h)
	return s.logRequests(h)
}

// withTimeout bounds the work of a request: its context ends after d, so
// a stuck database call fails (503, see problemFor) instead of holding a
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
