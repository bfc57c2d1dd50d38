package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/jag-hub/jag/hub/rest"
)

// limitsConfig is how `jag serve` bounds its HTTP clients in connections,
// time and bytes, and where it serves metrics.
type limitsConfig struct {
	conns             rest.ConnLimits
	readHeaderTimeout time.Duration
	metricsAddr       string
	maxResponseBytes  int64
}

func (c *limitsConfig) register(fs *flag.FlagSet, e *env, api *rest.Config) {
	fs.IntVar(&c.conns.Total, "max-conns", 25000, "connections open at once, feeds included; 503 beyond (env JAG_MAX_CONNS)")
	fs.IntVar(&c.conns.PerClient, "max-conns-per-client", 256, "connections open at once from one client address (an IPv6 /64); 503 beyond (env JAG_MAX_CONNS_PER_CLIENT)")
	fs.DurationVar(&c.readHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send a request's headers (env JAG_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&api.Body.Grace, "body-grace", 10*time.Second, "time any request body may take before --body-min-rate applies (env JAG_BODY_GRACE)")
	fs.Int64Var(&api.Body.MinRate, "body-min-rate", 64<<10, "slowest accepted request body upload in bytes/s after --body-grace (env JAG_BODY_MIN_RATE)")
	fs.Int64Var(&api.Ingest.Bytes, "ingest-budget-bytes", 64<<20, "body bytes of the bundles ingested at once; at least --max-body-bytes (env JAG_INGEST_BUDGET_BYTES)")
	fs.DurationVar(&api.Ingest.Wait, "ingest-wait", 10*time.Second, "how long a bundle waits for ingest budget before a 503 with Retry-After (env JAG_INGEST_WAIT)")
	fs.Int64Var(&c.maxResponseBytes, "max-response-bytes", 8<<20, "byte budget of one answer of objects (lookup, search page, versions); more comes by cursor (env JAG_MAX_RESPONSE_BYTES)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", envOr(e, "JAG_METRICS_ADDR", ""), "listen address of an unauthenticated /metrics for the operator's network, e.g. 127.0.0.1:9464; empty: none (the API's /metrics needs an admin token) (env JAG_METRICS_ADDR)")
}

// limitsEnv maps the typed flags of limitsConfig to their environment
// variables.
var limitsEnv = map[string]string{
	"max-conns":            "JAG_MAX_CONNS",
	"max-conns-per-client": "JAG_MAX_CONNS_PER_CLIENT",
	"read-header-timeout":  "JAG_READ_HEADER_TIMEOUT",
	"body-grace":           "JAG_BODY_GRACE",
	"body-min-rate":        "JAG_BODY_MIN_RATE",
	"ingest-budget-bytes":  "JAG_INGEST_BUDGET_BYTES",
	"ingest-wait":          "JAG_INGEST_WAIT",
	"max-response-bytes":   "JAG_MAX_RESPONSE_BYTES",
}

// validate refuses limits that contradict each other (each flag's own
// range is checked as it is set: serveRules in config.go).
func (c *limitsConfig) validate(api rest.Config) error {
	var errs []error
	if err := c.conns.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--max-conns/--max-conns-per-client: %w", err))
	}
	if api.Ingest.Bytes < api.MaxBodyBytes {
		errs = append(errs, errors.New("--ingest-budget-bytes must be at least --max-body-bytes"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// listenAPI binds the API listener with its connection limits.
func (c *limitsConfig) listenAPI(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return rest.LimitListener(ln, c.conns), nil
}

// serveMetrics starts the metrics listener when one is configured; nil
// server otherwise.
func (c *limitsConfig) serveMetrics(h http.Handler) (*http.Server, net.Listener, error) {
	if c.metricsAddr == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", c.metricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (metrics): %w", c.metricsAddr, err)
	}
	ln = rest.LimitListener(ln, rest.ConnLimits{Total: 64, PerClient: 64})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10}
	go func() { _ = srv.Serve(ln) }()
	return srv, ln, nil
}
