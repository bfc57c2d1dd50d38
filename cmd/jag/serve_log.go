package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/tlogapi"
	"github.com/jag-hub/jag/hub/translog"
)

// logConfig is the transparency log's part of `jag serve`'s configuration.
type logConfig struct {
	enabled  bool
	origin   string
	interval time.Duration
	poll     time.Duration
}

func (c *logConfig) register(fs *flag.FlagSet, e *env) {
	fs.BoolVar(&c.enabled, "transparency-log", true,
		"append accepted versions and registry changes to the transparency log and serve /v1/log/; false leaves them unlogged, for benchmarks and emergencies (env JAG_TRANSPARENCY_LOG)")
	fs.StringVar(&c.origin, "log-origin", envOr(e, "JAG_LOG_ORIGIN", ""),
		"name (checkpoint origin) of the log, a schema-less URL such as hub.example.org/jag; used only when the first log key is generated (default jag-log/<random>) (env JAG_LOG_ORIGIN)")
	fs.DurationVar(&c.interval, "log-checkpoint-interval", time.Second, "least time between two checkpoints while the log grows (env JAG_LOG_CHECKPOINT_INTERVAL)")
	fs.DurationVar(&c.poll, "log-poll-interval", 250*time.Millisecond, "how often the sequencer looks for new entries besides the wake-up each ingest commit sends (env JAG_LOG_POLL_INTERVAL)")
}

// logEnv maps the log's typed flags to their environment variables.
var logEnv = map[string]string{
	"transparency-log":        "JAG_TRANSPARENCY_LOG",
	"log-checkpoint-interval": "JAG_LOG_CHECKPOINT_INTERVAL",
	"log-poll-interval":       "JAG_LOG_POLL_INTERVAL",
}

// logRunner is one replica's part of the log: the HTTP handler, the
// provenance prover, and the sequencer loop (every replica runs one; the
// database elects the one that works each round).
type logRunner struct {
	handler  *tlogapi.Handler
	prover   hub.LogProver
	listener *postgres.EventListener // wakes the sequencer when ingest commits
	cancel   context.CancelFunc
	done     chan struct{}
}

// startLog loads (or on first start generates) the log key and starts the
// sequencer.
func startLog(ctx context.Context, c logConfig, db *postgres.DB, dsn string, log zerolog.Logger) (*logRunner, error) {
	origin := c.origin
	if origin == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("log origin: %w", err)
		}
		origin = "jag-log/" + hex.EncodeToString(b[:])
	}
	keys, err := translog.EnsureKeys(ctx, db, origin)
	if err != nil {
		return nil, err
	}
	if c.origin != "" && keys.Origin != c.origin {
		log.Warn().Str("configured", c.origin).Str("origin", keys.Origin).Msg("the log keeps the origin of its stored key; --log-origin applies to a new log only")
	}
	l := &translog.Log{Store: db, Keys: keys.Verifiers, VerifierKeys: keys.VKeys}
	seq := &translog.Sequencer{Store: db, Origin: keys.Origin, Signers: keys.Signers, Interval: c.interval}
	// One round before serving: a new log has its first (empty)
	// checkpoint before the first request asks for it.
	if _, err := seq.Step(ctx); err != nil {
		log.Warn().Err(err).Msg("transparency log sequencer")
	}
	listener, err := postgres.ListenEvents(dsn, log)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	r := &logRunner{
		listener: listener,
		handler:  tlogapi.New(l),
		prover:   logProver{db: db, log: l},
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		seq.Run(sctx, c.poll, listener.Wakeups(), func(err error) { log.Warn().Err(err).Msg("transparency log sequencer") })
	}()
	log.Info().Str("origin", keys.Origin).Str("vkey", keys.VKeys[0]).Msg("transparency log")
	return r, nil
}

// stop ends the sequencer loop (a round in progress is rolled back).
func (r *logRunner) stop() {
	r.cancel()
	<-r.done
	_ = r.listener.Close()
}

// logProver joins the store's version → index lookup and the log's proofs.
type logProver struct {
	db  *postgres.DB
	log *translog.Log
}

func (p logProver) LogIndex(ctx context.Context, id, modified string) (int64, error) {
	return p.db.LogIndex(ctx, id, modified)
}

func (p logProver) Prove(ctx context.Context, index int64) (translog.Inclusion, error) {
	return p.log.Prove(ctx, index)
}
