package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// memLog is an in-memory event log (a hub.EventSource) for tests.
type memLog struct {
	mu     sync.Mutex
	events []*hub.Event
	purged int64
	seq    int64
	wake   chan struct{}
	reads  int
	behind int // reads from below the head: replays, not the tailer's polls
}

func newMemLog() *memLog { return &memLog{wake: make(chan struct{}, 1)} }

var _ hub.EventSource = (*memLog)(nil)

func (l *memLog) EventsAfter(_ context.Context, after int64, limit int) (hub.Page, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	if after < l.seq {
		l.behind++
	}
	p := hub.Page{PurgedThrough: l.purged}
	for _, e := range l.events {
		if e.Seq > after && len(p.Events) < limit {
			// A fresh copy per read, as a database returns.
			c := &hub.Event{Seq: e.Seq, Kind: e.Kind, ObjectID: e.ObjectID, Modified: e.Modified, Org: e.Org,
				Received: e.Received, Object: e.Object, Type: e.Type, CreatedBy: e.CreatedBy, TLP: e.TLP,
				Recipients: e.Recipients, Revoked: e.Revoked, Confidence: e.Confidence, Labels: e.Labels}
			p.Events = append(p.Events, c)
		}
	}
	return p, nil
}

func (l *memLog) EventHead(context.Context) (int64, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var head int64
	if n := len(l.events); n > 0 {
		head = l.events[n-1].Seq
	}
	return head, l.purged, nil
}

func (l *memLog) EventStats(context.Context) (hub.Stats, error) {
	h, _, _ := l.EventHead(context.Background())
	return hub.Stats{MaxSeq: h}, nil
}

func (l *memLog) PurgeEvents(_ context.Context, cutoff time.Time) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for len(l.events) > 0 && l.events[0].Received.Before(cutoff) {
		l.purged = l.events[0].Seq
		l.events = l.events[1:]
		n++
	}
	return n, nil
}

func (l *memLog) Wakeups() <-chan struct{} { return l.wake }

// add appends an event (an indicator of org with tlp) and wakes the tailer.
func (l *memLog) add(e *hub.Event) *hub.Event {
	l.mu.Lock()
	l.seq++
	e.Seq = l.seq
	if e.Kind == "" {
		e.Kind = hub.KindCreated
	}
	if e.Type == "" {
		e.Type = "indicator"
	}
	if e.TLP == "" {
		e.TLP = auth.TLPGreen
	}
	if e.ObjectID == "" {
		e.ObjectID = fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", e.Type, e.Seq)
	}
	if e.Org == "" {
		e.Org = orgA
	}
	if e.CreatedBy == "" {
		e.CreatedBy = e.Org
	}
	if e.Received.IsZero() {
		e.Received = time.Now()
	}
	if e.Object == nil {
		e.Object = json.RawMessage(fmt.Sprintf(`{"type":%q,"id":%q,"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix"}`, e.Type, e.ObjectID, e.Seq%250))
	}
	ev := e
	l.events = append(l.events, ev)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return ev
}

func (l *memLog) purge(through int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.events) > 0 && l.events[0].Seq <= through {
		l.events = l.events[1:]
	}
	l.purged = through
}

const (
	orgA = "identity--aaaaaaaa-0000-4000-8000-000000000000"
	orgB = "identity--bbbbbbbb-0000-4000-8000-000000000000"
)

// tokens is a fake token verifier and revocation store: a token is the
// name of a principal in the map.
type tokens struct {
	mu        sync.Mutex
	byToken   map[string]*auth.Principal
	revoked   map[string]bool
	revokedAt map[string]time.Time
	polls     int // calls of TokensRevokedSince (through pollingTokens)
}

func (tk *tokens) Verify(_ context.Context, token string) (*auth.Principal, error) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	p, ok := tk.byToken[token]
	if !ok {
		return nil, fmt.Errorf("%w: unknown token", auth.ErrUnauthorized)
	}
	return p, nil
}

func (tk *tokens) TokenRevoked(_ context.Context, jti string) (bool, error) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return tk.revoked[jti], nil
}

func (tk *tokens) add(name string, p *auth.Principal) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	p.JTI = name
	if p.Expires.IsZero() {
		p.Expires = time.Now().Add(time.Hour)
	}
	if p.Scopes == nil {
		p.Scopes = []string{auth.ScopeRead}
	}
	tk.byToken[name] = p
}

func (tk *tokens) revoke(name string) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.revoked[name] = true
	if tk.revokedAt == nil {
		tk.revokedAt = map[string]time.Time{}
	}
	tk.revokedAt[name] = time.Now()
}

func (tk *tokens) pollCount() int {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return tk.polls
}

// pollingTokens is tokens that is also a RevocationFeed, like the hub's
// database; plain tokens exercises the heartbeat's fallback alone.
type pollingTokens struct{ *tokens }

var _ hub.RevocationFeed = pollingTokens{}

func (pt pollingTokens) TokensRevokedSince(_ context.Context, since time.Time) ([]string, time.Time, error) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	pt.polls++
	through := time.Now()
	var jtis []string
	for jti, at := range pt.revokedAt {
		if at.After(since) {
			jtis = append(jtis, jti)
		}
	}
	return jtis, through, nil
}

// harness is a Feed on an in-memory log behind the real auth middleware.
type harness struct {
	t    *testing.T
	log  *memLog
	tk   *tokens
	feed *Feed
	srv  *httptest.Server
	url  string // ws://.../v1/feed
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	return startHarness(t, cfg, false, nil)
}

// newClockHarness is newHarness on a manual clock: heartbeats, token
// expiry, the subscribe wait and the revocation poll move only when the
// test advances it.
func newClockHarness(t *testing.T, cfg Config, polling bool) (*harness, *manualClock) {
	t.Helper()
	clk := newManualClock()
	return startHarness(t, cfg, polling, clk), clk
}

func startHarness(t *testing.T, cfg Config, polling bool, clk Clock) *harness {
	t.Helper()
	h := &harness{t: t, log: newMemLog(), tk: &tokens{byToken: map[string]*auth.Principal{}, revoked: map[string]bool{}}}
	h.tk.add("member-a", &auth.Principal{Org: orgA, Tier: auth.TierMember})
	h.tk.add("member-b", &auth.Principal{Org: orgB, Tier: auth.TierMember})
	h.tk.add("community", &auth.Principal{Tier: auth.TierCommunity})
	h.tk.add("no-read", &auth.Principal{Org: orgA, Tier: auth.TierMember, Scopes: []string{auth.ScopeSubmit}})
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	if cfg.AllowedOrigins == nil {
		cfg.AllowedOrigins = []string{"https://soc.example.org"}
	}
	var rev hub.Revocations = h.tk
	if polling {
		rev = pollingTokens{h.tk}
	}
	f, err := New(cfg, Deps{Source: h.log, Revocations: rev, Wakeup: h.log, Log: zerolog.Nop(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	h.feed = f
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	mux := http.NewServeMux()
	mux.Handle("GET /v1/feed", auth.Authenticate(h.tk, nil)(f))
	h.srv = httptest.NewServer(mux)
	h.url = "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/v1/feed"
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := f.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
		<-done
		h.srv.Close()
	})
	select {
	case <-f.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("tailer not ready")
	}
	return h
}

// client is a test websocket client.
type client struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial connects with the token in the Authorization header.
func (h *harness) dial(token string) *client {
	h.t.Helper()
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+token)
	d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(h.url, hdr)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial: %v (status %d)", err, status)
	}
	return &client{t: h.t, conn: conn}
}

// subscribe sends the subscribe message and returns the "subscribed" cursor.
func (c *client) subscribe(cursor string, f *Filter) string {
	c.t.Helper()
	msg := map[string]any{"op": "subscribe"}
	if cursor != "" {
		msg["cursor"] = cursor
	}
	if f != nil {
		msg["filter"] = f
	}
	if err := c.conn.WriteJSON(msg); err != nil {
		c.t.Fatal(err)
	}
	m := c.next(5 * time.Second)
	if m.Op != "subscribed" {
		c.t.Fatalf("first server message %+v, want subscribed", m)
	}
	return m.Cursor
}

// serverMsg is any server message.
type serverMsg struct {
	Op      string          `json:"op"`
	Cursor  string          `json:"cursor"`
	Event   string          `json:"event"`
	Object  json.RawMessage `json:"object"`
	Org     string          `json:"org"`
	Match   []Match         `json:"match"`
	Code    string          `json:"code"`
	Message string          `json:"message"`

	closeCode int // set when the connection closed instead
}

// next returns the next message, or a message with closeCode when the
// server closed the connection.
func (c *client) next(wait time.Duration) serverMsg {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	_, data, err := c.conn.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return serverMsg{closeCode: ce.Code}
		}
		c.t.Fatalf("read: %v", err)
	}
	var m serverMsg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("bad server message %s: %v", data, err)
	}
	return m
}

// nextEvent skips heartbeats.
func (c *client) nextEvent(wait time.Duration) serverMsg {
	c.t.Helper()
	for {
		m := c.next(wait)
		if m.Op != "heartbeat" {
			return m
		}
	}
}

// closeCode reads until the server closes and returns the close code,
// failing on any event message in between.
func (c *client) closeCode(wait time.Duration) int {
	c.t.Helper()
	for {
		m := c.next(wait)
		switch {
		case m.closeCode != 0:
			return m.closeCode
		case m.Op == "event":
			c.t.Fatalf("event %s received while waiting for the close", m.Cursor)
		}
	}
}

func seqOf(t *testing.T, cursor string) int64 {
	t.Helper()
	s, err := DecodeCursor(cursor)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// publishEvery appends an event to the log every interval until the
// returned stop is called; stop waits for the publisher to finish.
func (h *harness) publishEvery(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				h.log.add(&hub.Event{})
				time.Sleep(interval)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
