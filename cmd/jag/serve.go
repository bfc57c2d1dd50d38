package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/metrics"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/problem"
	"github.com/jag-hub/jag/hub/rest"
	"github.com/jag-hub/jag/hub/tlogapi"
	"github.com/jag-hub/jag/stix"
)

// serveConfig is everything `jag serve` is configured with.
type serveConfig struct {
	addr      string
	logLevel  string
	logFormat string
	db        dbFlags
	api       rest.Config
	ingest    hub.IngestConfig
	shutdown  time.Duration
	// statementTimeout bounds every SQL statement of the API's pool.
	statementTimeout time.Duration
	feed             feedConfig
	auth             authConfig
	log              logConfig
	taxii            taxiiConfig
	limits           limitsConfig
}

func (c *serveConfig) register(e *env, name string) *flag.FlagSet {
	fs := newFlagSet(e, name, "[flags]")
	fs.StringVar(&c.addr, "addr", envOr(e, "JAG_ADDR", "127.0.0.1:8080"), "listen address (env JAG_ADDR)")
	fs.StringVar(&c.logLevel, "log-level", envOr(e, "JAG_LOG_LEVEL", "info"), "debug, info, warn or error (env JAG_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr(e, "JAG_LOG_FORMAT", "json"), "json or console (env JAG_LOG_FORMAT)")
	fs.BoolVar(&c.api.PublicAccess, "public-access", false, "let anonymous requests read TLP:CLEAR objects (env JAG_PUBLIC_ACCESS)")
	fs.Func("default-tlp", "TLP of objects without a TLP marking: clear, green, amber, amber+strict or red (env JAG_DEFAULT_TLP) (default amber)", func(v string) error {
		t, err := stix.ParseTLP(v)
		c.ingest.DefaultTLP = t
		return err
	})
	fs.Int64Var(&c.api.MaxBodyBytes, "max-body-bytes", 16<<20, "largest accepted request body (env JAG_MAX_BODY_BYTES)")
	fs.DurationVar(&c.api.RequestTimeout, "request-timeout", 30*time.Second, "time limit of one API request's work; the websocket feed is exempt (env JAG_REQUEST_TIMEOUT)")
	fs.DurationVar(&c.statementTimeout, "statement-timeout", 15*time.Second, "server-side limit of one SQL statement; 0 keeps the server's (env JAG_STATEMENT_TIMEOUT)")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 15*time.Second, "grace period for in-flight requests on SIGTERM (env JAG_SHUTDOWN_TIMEOUT)")
	c.db.register(fs, e)
	c.feed.register(fs, e)
	c.auth.register(fs, e)
	c.log.register(fs, e)
	c.taxii.register(fs, e)
	c.limits.register(fs, e, &c.api)
	return fs
}

// serveEnv maps serve's typed flags to their environment variables (string
// flags read theirs directly with envOr).
var serveEnv = map[string]string{
	"public-access":     "JAG_PUBLIC_ACCESS",
	"default-tlp":       "JAG_DEFAULT_TLP",
	"max-body-bytes":    "JAG_MAX_BODY_BYTES",
	"shutdown-timeout":  "JAG_SHUTDOWN_TIMEOUT",
	"request-timeout":   "JAG_REQUEST_TIMEOUT",
	"statement-timeout": "JAG_STATEMENT_TIMEOUT",
}

// parse parses serve's flags and then its typed environment defaults.
func (c *serveConfig) parse(fs *flag.FlagSet, e *env, args []string) error {
	guardFlags(fs, serveRules) // limits and formats: config.go
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, vars := range []map[string]string{serveEnv, feedEnv, authEnv, logEnv, taxiiEnv, limitsEnv} {
		if err := applyEnv(fs, e, vars); err != nil {
			return err
		}
	}
	if err := c.checkServe(fs); err != nil {
		return err
	}
	return c.limits.validate(c.api)
}

// Main is the running hub: configuration in, a serving process out. The
// serve command and the end-to-end tests both use it.
type Main struct {
	cfg serveConfig
	env *env

	log  zerolog.Logger
	db   *database
	ln   net.Listener
	http *http.Server
	feed *feedRunner
	tlog *logRunner // nil with the log switched off
	// metrics is the unauthenticated /metrics listener (--metrics-addr);
	// nil when none.
	metrics   *http.Server
	metricsLn net.Listener
	done      chan error

	stopHousekeeping context.CancelFunc
}

// Run opens the database, migrates, and starts serving; it returns once
// the listener is bound. On error everything started so far is stopped.
func (m *Main) Run(ctx context.Context) (err error) {
	log, err := newLogger(m.env.stderr, m.cfg.logLevel, m.cfg.logFormat)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	m.log = log
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	if m.db, err = m.cfg.db.openServe(ctx, m.env, log, postgres.Options{StatementTimeout: m.cfg.statementTimeout, NoTransparencyLog: !m.cfg.log.enabled}); err != nil {
		return err
	}
	for _, mg := range m.db.applied {
		log.Info().Str("migration", mg.Name).Msg("migration applied")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The hub's keys (from files, or generated on first start and shared
	// by every replica through the database) sign tokens and receipts.
	authority, err := m.cfg.auth.authority(ctx, m.db.DB)
	if err != nil {
		return fmt.Errorf("token authority: %w", err)
	}
	if m.cfg.feed.cursorKey, err = m.cfg.auth.cursorKey(ctx, m.db.DB); err != nil {
		return fmt.Errorf("feed cursor key: %w", err)
	}
	if m.feed, err = startFeed(m.cfg.feed, m.db.DB, m.db.dsn(m.cfg.db), log, reg); err != nil {
		return fmt.Errorf("start feed: %w", err)
	}
	queries := hub.NewQueryService(m.db.DB, nil).WithResponseBudget(m.cfg.limits.maxResponseBytes)
	var mounts []rest.Mount
	if m.cfg.log.enabled {
		if m.tlog, err = startLog(ctx, m.cfg.log, m.db.DB, m.db.dsn(m.cfg.db), log); err != nil {
			return fmt.Errorf("start transparency log: %w", err)
		}
		queries.WithLog(m.tlog.prover)
		metrics.NewLog(reg, m.db.DB)
		mounts = append(mounts, rest.Mount{Pattern: tlogapi.Prefix, Handler: m.tlog.handler})
	}
	authn := auth.Authenticate(authority, problem.Write)
	ingestCfg := m.cfg.ingest
	ingestCfg.MaxBytes = m.cfg.api.MaxBodyBytes
	ingest := hub.NewIngestService(ingestCfg, m.db.DB, authority, nil, metrics.NewIngest(reg))
	budget := m.cfg.api.Ingest.Budget() // REST and TAXII ingest share it
	srv := rest.New(m.cfg.api, rest.Deps{
		Log:          log,
		Registry:     reg,
		Ready:        m.db.DB,
		Authenticate: authn,
		Ingest:       ingest,
		Queries:      queries,
		Admin:        hub.NewAdminService(m.db.DB, authority, nil),
		Collections:  hub.NewCollectionService(m.db.DB, nil),
		Feed:         m.feed.feed,
		Exports:      hub.NewExportService(m.db.DB, nil, ""),
		Mounts:       mounts,
		IngestBudget: budget,
	})

	m.cfg.limits.checkFileLimit(log)
	if m.ln, err = m.cfg.limits.listenAPI(m.cfg.addr); err != nil {
		return err
	}
	if m.metrics, m.metricsLn, err = m.cfg.limits.serveMetrics(srv.MetricsHandler()); err != nil {
		_ = m.ln.Close()
		return err
	}
	m.http = &http.Server{
		// TAXII sets its own connection deadlines (hub/taxii handler.go).
		Handler:           withTAXII(srv.Handler(), newTAXII(m.cfg.taxii, m.cfg.api, ingest, budget, m.db.DB, authority, log, reg)),
		ReadHeaderTimeout: m.cfg.limits.readHeaderTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          newStdLogger(log),
		// No ReadTimeout or WriteTimeout: they would cut long-lived
		// websocket feeds. Bodies are bounded per request (rest.BodyTiming),
		// answers by twice the request timeout, request work by
		// rest.Config.RequestTimeout.
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.http.Serve(m.ln) }()

	hkCtx, cancel := context.WithCancel(context.Background())
	m.stopHousekeeping = cancel
	go housekeeping(hkCtx, m.db.DB, m.cfg.auth.leeway, log)
	go purgeTAXIIStatuses(hkCtx, m.db.DB, log)

	log.Info().Str("addr", m.ln.Addr().String()).Bool("embedded_db", m.db.cluster != nil).Msg("jag serving")
	return nil
}

// housekeeping purges revocation entries of tokens that have expired
// (beyond the leeway they could still be accepted in) once an hour.
func housekeeping(ctx context.Context, db *postgres.DB, leeway time.Duration, log zerolog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := db.PurgeRevokedTokens(ctx, time.Now().Add(-leeway))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn().Err(err).Msg("purge revoked tokens")
		case n > 0:
			log.Info().Int64("purged", n).Msg("purged expired token revocations")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Addr is the bound listen address (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Done yields the HTTP server's exit error if it stops on its own.
func (m *Main) Done() <-chan error { return m.done }

// Close drains in-flight requests, then closes the database and stops the
// embedded cluster this process started.
func (m *Main) Close() error {
	var errs []error
	if m.stopHousekeeping != nil {
		m.stopHousekeeping()
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.shutdown)
	defer cancel()
	if m.feed != nil {
		// Websockets are hijacked: http.Shutdown does not wait for them.
		if err := m.feed.drain(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if m.metrics != nil {
		_ = m.metrics.Close()
	}
	if m.http != nil {
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down http: %w", err))
		}
	}
	if m.tlog != nil {
		m.tlog.stop()
	}
	if m.feed != nil {
		if err := m.feed.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if m.db != nil {
		if err := m.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	m.log.Info().Msg("jag stopped")
	return errors.Join(errs...)
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	m := &Main{env: e}
	fs := m.cfg.register(e, "serve")
	if err := m.cfg.parse(fs, e, args); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		m.log.Info().Msg("signal received, draining")
		return m.Close()
	case err := <-m.done:
		cerr := m.Close()
		if errors.Is(err, http.ErrServerClosed) {
			return cerr
		}
		return errors.Join(fmt.Errorf("serve: %w", err), cerr)
	}
}

func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || lvl == zerolog.NoLevel {
		return zerolog.Nop(), fmt.Errorf("unknown log level %q", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	default:
		return zerolog.Nop(), fmt.Errorf("unknown log format %q", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
