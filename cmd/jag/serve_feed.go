package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres"
)

// feedConfig is the websocket feed's part of `jag serve`'s configuration.
type feedConfig struct {
	origins     string
	retention   time.Duration
	queueSize   int
	queueBytes  int64
	maxSessions int
	poll        time.Duration

	maxWatchEntries int
	maxWatchBytes   int64
	ringBytes       int64

	cursorKey []byte // set by serve from the hub's keys (cursorKey)
}

func (c *feedConfig) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&c.origins, "feed-allowed-origins", envOr(e, "JAG_FEED_ALLOWED_ORIGINS", ""),
		"comma-separated origins browsers may open the feed from, e.g. https://soc.example.org (env JAG_FEED_ALLOWED_ORIGINS)")
	fs.DurationVar(&c.retention, "feed-retention", feeds.DefaultRetention, "how long events stay replayable by cursor (env JAG_FEED_RETENTION)")
	fs.IntVar(&c.queueSize, "feed-queue-size", feeds.DefaultQueueSize, "events buffered per feed session before it is closed as a slow consumer (env JAG_FEED_QUEUE_SIZE)")
	fs.Int64Var(&c.queueBytes, "feed-queue-bytes", feeds.DefaultQueueBytes, "memory of the events buffered per feed session (three times each object plus 1 KiB) before it is closed as a slow consumer (env JAG_FEED_QUEUE_BYTES)")
	fs.IntVar(&c.maxSessions, "feed-max-sessions", feeds.DefaultMaxSessions, "feed sessions per replica (env JAG_FEED_MAX_SESSIONS)")
	fs.DurationVar(&c.poll, "feed-poll-interval", feeds.DefaultPollInterval, "how often the feed polls the event log without a wake-up (env JAG_FEED_POLL_INTERVAL)")
	fs.IntVar(&c.maxWatchEntries, "feed-max-watch-entries", feeds.DefaultMaxWatchEntries, "watchlist entries of all feed sessions of a replica together; a session beyond is closed 1013 (env JAG_FEED_MAX_WATCH_ENTRIES)")
	fs.Int64Var(&c.maxWatchBytes, "feed-max-watch-bytes", feeds.DefaultMaxWatchBytes, "watchlist text of all feed sessions of a replica together, 64 bytes counted per entry besides its text (env JAG_FEED_MAX_WATCH_BYTES)")
	fs.Int64Var(&c.ringBytes, "feed-ring-bytes", feeds.DefaultRingBytes, "memory for the recent events a replica keeps for reconnecting cursors (env JAG_FEED_RING_BYTES)")
}

// feedEnv maps the feed's typed flags to their environment variables.
var feedEnv = map[string]string{
	"feed-retention":     "JAG_FEED_RETENTION",
	"feed-queue-size":    "JAG_FEED_QUEUE_SIZE",
	"feed-queue-bytes":   "JAG_FEED_QUEUE_BYTES",
	"feed-max-sessions":  "JAG_FEED_MAX_SESSIONS",
	"feed-poll-interval": "JAG_FEED_POLL_INTERVAL",

	"feed-max-watch-entries": "JAG_FEED_MAX_WATCH_ENTRIES",
	"feed-max-watch-bytes":   "JAG_FEED_MAX_WATCH_BYTES",
	"feed-ring-bytes":        "JAG_FEED_RING_BYTES",
}

// feedRunner is the running feed of one replica: the tailer, its LISTEN
// connection, and the sessions.
type feedRunner struct {
	feed     *feeds.Feed
	listener *postgres.EventListener
	cancel   context.CancelFunc
	done     chan struct{}
}

// startFeed starts the tailer of db (whose connection string is dsn, for
// the LISTEN connection).
func startFeed(c feedConfig, db *postgres.DB, dsn string, log zerolog.Logger, reg prometheus.Registerer) (*feedRunner, error) {
	var origins []string
	for _, o := range strings.Split(c.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	log = log.With().Str("component", "feed").Logger()
	l, err := postgres.ListenEvents(dsn, log)
	if err != nil {
		return nil, err
	}
	f, err := feeds.New(feeds.Config{
		AllowedOrigins: origins,
		Retention:      c.retention,
		QueueSize:      c.queueSize,
		QueueBytes:     c.queueBytes,
		MaxSessions:    c.maxSessions,
		PollInterval:   c.poll,

		MaxWatchEntries: c.maxWatchEntries,
		MaxWatchBytes:   c.maxWatchBytes,
		RingBytes:       c.ringBytes,
	}, feeds.Deps{Source: db, Revocations: db, Wakeup: l, Log: log, Registry: reg, CursorKey: c.cursorKey})
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	// The tailer outlives the signal that starts the shutdown: sessions
	// keep receiving events until they are drained.
	ctx, cancel := context.WithCancel(context.Background())
	r := &feedRunner{feed: f, listener: l, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); f.Run(ctx) }()
	return r, nil
}

// drain closes every session with 1001 and refuses new ones.
func (r *feedRunner) drain(ctx context.Context) error {
	return r.feed.Shutdown(ctx)
}

// stop ends the tailer and the LISTEN connection.
func (r *feedRunner) stop() error {
	r.cancel()
	<-r.done
	if err := r.listener.Close(); err != nil {
		return fmt.Errorf("stop feed: %w", err)
	}
	return nil
}

// cursorKey derives the key that seals feed cursors (feeds.CursorCodec)
// from the hub's key material, so every replica — sharing the keys through
// the database or the same --hub-key-files — seals and opens the same
// cursors: HKDF-SHA256 over the PKCS #8 form of the last key of the hub's
// list (the oldest, which stays while newer keys are added, so cursors
// outlive key rotations). Removing that key invalidates saved cursors
// (clients then get ErrBadCursor, 1008, and resubscribe).
func (c *authConfig) cursorKey(ctx context.Context, db *postgres.DB) ([]byte, error) {
	var last *jose.JSONWebKey
	if c.hubKeyFiles != "" {
		paths := strings.Split(c.hubKeyFiles, ",")
		k, err := readPrivateKey(strings.TrimSpace(paths[len(paths)-1]))
		if err != nil {
			return nil, err
		}
		last = k
	} else {
		keys, err := db.HubKeys(ctx)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, errors.New("the hub has no key yet")
		}
		last = &keys[len(keys)-1].Private
	}
	der, err := x509.MarshalPKCS8PrivateKey(last.Key)
	if err != nil {
		return nil, fmt.Errorf("hub key %q: %w", last.KeyID, err)
	}
	return hkdf.Key(sha256.New, der, nil, "jag feed cursor key v2", feeds.CursorKeySize)
}

// dsn is the connection string of the database d was opened with.
func (d *database) dsn(f dbFlags) string {
	if d.cluster != nil {
		return d.cluster.URL(embeddedDatabase)
	}
	return f.url
}
