package feeds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// Subprotocol is the websocket subprotocol of the feed.
const Subprotocol = "jag.v1"

// Feed is a replica's live alert feed: the tailer of the event log and the
// websocket endpoint GET /v1/feed. Create it with New, run the tailer with
// Run, serve it as an http.Handler behind the hub's authentication, and
// drain it with Shutdown.
type Feed struct {
	cfg         Config
	src         hub.EventSource
	wakeup      hub.Wakeup
	revocations hub.Revocations
	log         zerolog.Logger
	clock       Clock
	metrics     *metrics
	tail        *tailer
	watch       *watchIndex
	cursors     *CursorCodec
	replaySlots chan struct{} // one per session holding a replay page
	msgBufs     sync.Pool     // *[]byte: buffers of messages with matches (msgBuf)
	upgrader    websocket.Upgrader
	origins     map[string]struct{}

	mu       sync.Mutex
	sessions map[*session]struct{}
	draining bool
	wg       sync.WaitGroup
}

// New returns a Feed; it does nothing until Run.
func New(cfg Config, d Deps) (*Feed, error) {
	if d.Source == nil || d.Revocations == nil {
		return nil, errors.New("new feed: a source and a revocation store are required")
	}
	cursors, err := NewCursorCodec(d.CursorKey)
	if err != nil {
		return nil, fmt.Errorf("new feed: %w", err)
	}
	f := &Feed{
		cfg:         cfg.withDefaults(),
		src:         d.Source,
		wakeup:      d.Wakeup,
		revocations: d.Revocations,
		log:         d.Log,
		clock:       d.Clock,
		metrics:     newMetrics(d.Registry),
		origins:     map[string]struct{}{},
		sessions:    map[*session]struct{}{},
		cursors:     cursors,
	}
	f.replaySlots = make(chan struct{}, f.cfg.MaxReplays)
	if f.clock == nil {
		f.clock = systemClock{}
	}
	for _, o := range f.cfg.AllowedOrigins {
		f.origins[normOrigin(o)] = struct{}{}
	}
	f.tail = newTailer(f)
	f.watch = newWatchIndex(f.cfg.MaxWatchEntries, f.cfg.MaxWatchBytes)
	f.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   4 << 10,
		WriteBufferSize:  4 << 10,
		WriteBufferPool:  &sync.Pool{},
		Subprotocols:     []string{Subprotocol},
		// The origin was checked before the upgrade (ServeHTTP).
		CheckOrigin:       func(*http.Request) bool { return true },
		EnableCompression: false,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			problem.Write(w, r, &hub.Error{Code: problem.CodeFor(status), Detail: reason.Error()})
		},
	}
	return f, nil
}

// Run tails the event log, purges expired events and, when the revocation
// store is also a RevocationFeed, polls it for revoked tokens, until ctx
// ends.
func (f *Feed) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); f.tail.run(ctx) }()
	go func() { defer wg.Done(); f.purgeLoop(ctx) }()
	go func() { defer wg.Done(); f.statsLoop(ctx) }()
	if rf, ok := f.revocations.(hub.RevocationFeed); ok {
		wg.Add(1)
		go func() { defer wg.Done(); f.revocationLoop(ctx, rf) }()
	}
	wg.Wait()
}

// Ready is closed once the tailer knows its starting position.
func (f *Feed) Ready() <-chan struct{} { return f.tail.ready }

// Shutdown closes every session with 1001 (reconnect elsewhere, with the
// cursor), refuses new ones, and waits for the sessions to end or ctx.
func (f *Feed) Shutdown(ctx context.Context) error {
	f.mu.Lock()
	f.draining = true
	for s := range f.sessions {
		s.kill(CloseGoingAway, "server draining; reconnect with your cursor")
	}
	f.mu.Unlock()
	f.tail.stop()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("drain feed: %w", ctx.Err())
	}
}

// ServeHTTP is GET /v1/feed. The hub's middleware has authenticated the
// request (bearer header, or the "bearer.<token>" subprotocol); the
// checks here run before the upgrade, so failures are plain HTTP answers:
// 401/403 for the token and the Origin, 400 for a client that does not
// offer the jag.v1 subprotocol, 503 while draining.
func (f *Feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	switch {
	case !ok:
		refuse(w, r, hub.CodeUnauthorized, "a valid bearer token is required")
		return
	case !p.HasScope(auth.ScopeRead):
		refuse(w, r, hub.CodeForbidden, "the token lacks scope read")
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		if _, ok := f.origins[normOrigin(o)]; !ok {
			refuse(w, r, hub.CodeForbidden, "origin not allowed")
			return
		}
	}
	f.mu.Lock()
	draining, full := f.draining, len(f.sessions) >= f.cfg.MaxSessions
	f.mu.Unlock()
	if draining {
		w.Header().Set("Retry-After", "1")
		refuse(w, r, hub.CodeUnavailable, "the server is draining")
		return
	}
	if !slices.Contains(websocket.Subprotocols(r), Subprotocol) {
		// A client that does not speak jag.v1 must not be upgraded into it.
		refuse(w, r, hub.CodeBadRequest, "the feed requires the websocket subprotocol "+Subprotocol+" (Sec-WebSocket-Protocol)")
		return
	}
	conn, err := f.upgrader.Upgrade(hijacker{w}, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	if full {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseOverloaded, "too many sessions; retry later"), time.Now().Add(f.cfg.WriteWait))
		f.metrics.closed(CloseOverloaded)
		_ = conn.Close()
		return
	}
	s := newSession(f, conn, p)
	if code := f.track(s); code != 0 {
		reason := "server draining"
		if code == CloseOverloaded {
			reason = "too many sessions; retry later"
		}
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(f.cfg.WriteWait))
		f.metrics.closed(code)
		_ = conn.Close()
		return
	}
	defer f.untrack(s)
	s.serve()
}

// track registers a session with the feed and, before it can subscribe,
// with the tailer (which reads events only while sessions exist). It
// returns 0, or the close code of a refusal: CloseGoingAway while
// draining, CloseOverloaded at MaxSessions (checked here, under the lock,
// since concurrent upgrades all pass the check made before the upgrade).
func (f *Feed) track(s *session) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.draining:
		return CloseGoingAway
	case len(f.sessions) >= f.cfg.MaxSessions:
		return CloseOverloaded
	}
	f.sessions[s] = struct{}{}
	f.wg.Add(1)
	f.metrics.sessions.Set(float64(len(f.sessions)))
	f.tail.join()
	return 0
}

// untrack is the end of a session registered by track.
func (f *Feed) untrack(s *session) {
	f.tail.leave()
	f.mu.Lock()
	delete(f.sessions, s)
	f.metrics.sessions.Set(float64(len(f.sessions)))
	f.mu.Unlock()
	f.wg.Done()
}

// purgeLoop deletes events older than the retention, now and then every
// PurgeInterval. Every replica runs it; concurrent purges are harmless.
func (f *Feed) purgeLoop(ctx context.Context) {
	tick := f.clock.NewTicker(f.cfg.PurgeInterval)
	defer tick.Stop()
	for {
		n, err := f.src.PurgeEvents(ctx, f.clock.Now().Add(-f.cfg.Retention))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			f.log.Warn().Err(err).Msg("feed: purge failed; retrying at the next interval")
		case n > 0:
			f.metrics.purged.Add(float64(n))
			f.log.Info().Int64("events", n).Msg("feed: purged events older than the retention")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
	}
}

// statsLoop refreshes the lag gauges.
func (f *Feed) statsLoop(ctx context.Context) {
	tick := time.NewTicker(f.cfg.StatsInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st, err := f.src.EventStats(ctx)
		if err != nil {
			continue
		}
		f.metrics.lagEvents.Set(float64(max(0, st.MaxSeq-f.tail.position())))
		f.metrics.oldestXactAge.Set(st.OldestWriteXact.Seconds())
	}
}

// normOrigin lower-cases an origin and drops a trailing slash.
func normOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

// hijacker exposes Hijack of a wrapped ResponseWriter (the hub's
// middleware wrap it and offer Unwrap) to the websocket upgrader.
type hijacker struct{ http.ResponseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(h.ResponseWriter).Hijack()
}

// refuse answers a refusal before the upgrade with the problem+json every
// HTTP surface of the hub uses (hub/problem).
func refuse(w http.ResponseWriter, r *http.Request, code, detail string) {
	problem.Write(w, r, &hub.Error{Code: code, Detail: detail})
}
