package feeds

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix/pattern"
)

func TestLiveDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	c := h.dial("member-a")
	start := seqOf(t, c.subscribe("", nil))
	var want []int64
	for range 5 {
		want = append(want, h.log.add(&hub.Event{}).Seq)
	}
	for _, seq := range want {
		m := c.nextEvent(5 * time.Second)
		if m.Op != "event" || seqOf(t, m.Cursor) != seq || m.Event != hub.KindCreated || m.Org != orgA {
			t.Fatalf("got %+v, want event %d", m, seq)
		}
		if !strings.Contains(string(m.Object), `"pattern"`) {
			t.Fatalf("object not spliced: %s", m.Object)
		}
	}
	if start != 0 {
		t.Fatalf("subscribed at %d on an empty log, want 0", start)
	}
}

// Replay from a cursor: every event after it exactly once, in order, then
// live ones — across the database pages, the ring and attachment.
func TestReplayThenLiveNoGapNoDuplicate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		ring       int
		batch      int
		queue      int
		backlog    int
		liveDuring int
	}{
		{"FromRing", 1000, 100, 64, 50, 20},
		{"FromDatabase", 16, 7, 8, 300, 50},
		{"ConcurrentAppends", 32, 10, 64, 200, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{RingSize: tc.ring, BatchSize: tc.batch, QueueSize: tc.queue})
			for range tc.backlog {
				h.log.add(&hub.Event{})
			}
			// Let the tailer read the backlog (so the ring has moved on).
			waitFor(t, func() bool { return h.feed.tail.position() == int64(tc.backlog) })
			c := h.dial("member-a")
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range tc.liveDuring {
					h.log.add(&hub.Event{})
					time.Sleep(200 * time.Microsecond)
				}
			}()
			if got := seqOf(t, c.subscribe(EncodeCursor(3), nil)); got != 3 {
				t.Fatalf("subscribed at %d, want 3", got)
			}
			wg.Wait()
			total := int64(tc.backlog + tc.liveDuring)
			for want := int64(4); want <= total; want++ {
				m := c.nextEvent(5 * time.Second)
				if m.Op != "event" || seqOf(t, m.Cursor) != want {
					t.Fatalf("got %+v (%d), want event %d", m, seqOf(t, m.Cursor), want)
				}
			}
			// Nothing more: no duplicate after the last one.
			h.log.add(&hub.Event{})
			if m := c.nextEvent(5 * time.Second); seqOf(t, m.Cursor) != total+1 {
				t.Fatalf("after the replay got %+v, want %d", m, total+1)
			}
		})
	}
}

func TestVisibilityPerEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	a, b, comm := h.dial("member-a"), h.dial("member-b"), h.dial("community")
	for _, c := range []*client{a, b, comm} {
		c.subscribe("", nil)
	}
	red := h.log.add(&hub.Event{TLP: auth.TLPRed, Recipients: []string{orgA}, Org: orgB})   // a (recipient), b (creator)
	amber := h.log.add(&hub.Event{TLP: auth.TLPAmber})                                      // members
	toA := h.log.add(&hub.Event{TLP: auth.TLPGreen, Recipients: []string{orgA}, Org: orgB}) // a, b (creator)
	clear := h.log.add(&hub.Event{TLP: auth.TLPClear})                                      // everyone
	for _, tc := range []struct {
		name string
		c    *client
		want []int64
	}{
		{"RecipientMember", a, []int64{red.Seq, amber.Seq, toA.Seq, clear.Seq}},
		{"CreatorMember", b, []int64{red.Seq, amber.Seq, toA.Seq, clear.Seq}},
		{"Community", comm, []int64{clear.Seq}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, want := range tc.want {
				m := tc.c.nextEvent(5 * time.Second)
				if got := seqOf(t, m.Cursor); got != want {
					t.Fatalf("got event %d, want %d", got, want)
				}
			}
		})
	}
}

func TestFilterAndWatchlistOverTheWire(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	c := h.dial("member-a")
	c.subscribe("", &Filter{Observables: []string{"198.51.100.7", "evil.example.com"}})
	h.log.add(&hub.Event{Object: []byte(`{"type":"indicator","pattern":"[ipv4-addr:value = '203.0.113.1']","pattern_type":"stix"}`)})
	want := h.log.add(&hub.Event{Object: []byte(`{"type":"indicator","pattern":"[ipv4-addr:value = '198.51.100.0/24']","pattern_type":"stix"}`)})
	m := c.nextEvent(5 * time.Second)
	if seqOf(t, m.Cursor) != want.Seq {
		t.Fatalf("got %d, want %d", seqOf(t, m.Cursor), want.Seq)
	}
	if len(m.Match) != 1 || m.Match[0].Match != pattern.MatchCIDR || m.Match[0].Value != "198.51.100.7" || m.Match[0].Observable.Value != "198.51.100.0/24" {
		t.Fatalf("match = %+v", m.Match)
	}
}

func TestBeforeUpgrade(t *testing.T) {
	h := newHarness(t, Config{})
	for _, tc := range []struct {
		name   string
		header http.Header
		protos []string
		want   int
	}{
		{"NoToken", nil, nil, http.StatusUnauthorized},
		{"BadToken", http.Header{"Authorization": {"Bearer nope"}}, nil, http.StatusUnauthorized},
		{"NoReadScope", http.Header{"Authorization": {"Bearer no-read"}}, nil, http.StatusForbidden},
		{"OriginNotAllowed", http.Header{"Authorization": {"Bearer member-a"}, "Origin": {"https://evil.example"}}, nil, http.StatusForbidden},
		{"OriginAllowed", http.Header{"Authorization": {"Bearer member-a"}, "Origin": {"https://SOC.example.org"}}, []string{Subprotocol}, http.StatusSwitchingProtocols},
		{"NoSubprotocol", http.Header{"Authorization": {"Bearer member-a"}}, nil, http.StatusBadRequest},
		{"OtherSubprotocol", http.Header{"Authorization": {"Bearer member-a"}}, []string{"chat"}, http.StatusBadRequest},
		{"SubprotocolToken", nil, []string{Subprotocol, "bearer.member-a"}, http.StatusSwitchingProtocols},
		{"SubprotocolBadToken", nil, []string{Subprotocol, "bearer.nope"}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := websocket.Dialer{Subprotocols: tc.protos, EnableCompression: true, HandshakeTimeout: 5 * time.Second}
			conn, resp, err := d.Dial(h.url+"?x=1", tc.header)
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if conn == nil {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Fatalf("refusal content type %q", ct)
				}
				return
			}
			defer conn.Close()
			if got := conn.Subprotocol(); tc.protos != nil && got != Subprotocol {
				t.Fatalf("subprotocol %q, want %q (never the token)", got, Subprotocol)
			}
			if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
				t.Fatalf("compression negotiated: %q", ext)
			}
		})
	}
}

func TestTokenInQueryRefused(t *testing.T) {
	h := newHarness(t, Config{})
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	_, resp, err := d.Dial(h.url+"?access_token=member-a", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token in query: %v %v", err, resp)
	}
}

func TestCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("ReadLimit1009", func(t *testing.T) {
		h := newHarness(t, Config{MaxMessageBytes: 1024})
		c := h.dial("member-a")
		if err := c.conn.WriteMessage(websocket.TextMessage, []byte(`{"op":"subscribe","filter":{"labels":["`+strings.Repeat("x", 2000)+`"]}}`)); err != nil {
			t.Fatal(err)
		}
		if code := c.closeCode(5 * time.Second); code != CloseTooBig {
			t.Fatalf("close %d, want %d", code, CloseTooBig)
		}
	})
	t.Run("BadSubscribe1008", func(t *testing.T) {
		h := newHarness(t, Config{})
		c := h.dial("member-a")
		if err := c.conn.WriteMessage(websocket.TextMessage, []byte(`{"op":"subscribe","cursor":"garbage"}`)); err != nil {
			t.Fatal(err)
		}
		m := c.next(5 * time.Second)
		if m.Op != "error" || m.Code != "bad_request" {
			t.Fatalf("got %+v, want an error message", m)
		}
		if code := c.closeCode(5 * time.Second); code != ClosePolicy {
			t.Fatalf("close %d, want %d", code, ClosePolicy)
		}
	})
	t.Run("NoSubscribe1008", func(t *testing.T) {
		h, clk := newClockHarness(t, Config{SubscribeWait: time.Minute}, false)
		c := h.dial("member-a")
		waitFor(t, func() bool { return clk.active(0) == 1 }) // the subscribe wait
		clk.Advance(time.Minute)
		if code := c.closeCode(5 * time.Second); code != ClosePolicy {
			t.Fatalf("close %d, want %d", code, ClosePolicy)
		}
	})
	t.Run("NoPong", func(t *testing.T) {
		h := newHarness(t, Config{PingInterval: 50 * time.Millisecond, PongWait: 200 * time.Millisecond})
		c := h.dial("member-a")
		c.conn.SetPingHandler(func(string) error { return nil }) // never answers
		c.subscribe("", nil)
		start := time.Now()
		if code := c.closeCode(5 * time.Second); code != ClosePolicy {
			t.Fatalf("close %d, want %d", code, ClosePolicy)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("closed after %s, want about the pong wait", d)
		}
	})
	// Pings later than the pong wait (a writer busy with a backlog, a
	// subscription slow to register): the client answers each, so it
	// stays; the pong wait runs from each ping.
	t.Run("LatePingsKeepAlive", func(t *testing.T) {
		h := newHarness(t, Config{PingInterval: 300 * time.Millisecond, PongWait: 200 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond})
		c := h.dial("member-a")
		c.subscribe("", nil)
		deadline := time.Now().Add(1500 * time.Millisecond)
		for time.Now().Before(deadline) {
			if m := c.next(time.Second); m.closeCode != 0 || m.Op != "heartbeat" {
				t.Fatalf("got %+v, want heartbeats only", m)
			}
		}
	})
	t.Run("PongsKeepAlive", func(t *testing.T) {
		h := newHarness(t, Config{PingInterval: 50 * time.Millisecond, PongWait: 200 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond})
		c := h.dial("member-a")
		c.subscribe("", nil)
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			if m := c.next(time.Second); m.closeCode != 0 || m.Op != "heartbeat" {
				t.Fatalf("got %+v, want heartbeats only", m)
			}
		}
	})
	t.Run("TokenExpiry4401", func(t *testing.T) {
		h, clk := newClockHarness(t, Config{}, false)
		exp := clk.Now().Add(time.Hour)
		h.tk.add("short", &auth.Principal{Org: orgA, Tier: auth.TierMember, Expires: exp})
		c := h.dial("short")
		c.subscribe("", nil)
		h.log.add(&hub.Event{})
		if m := c.nextEvent(5 * time.Second); m.Op != "event" {
			t.Fatalf("got %+v", m)
		}
		clk.Advance(time.Hour) // exp reached: heartbeat and expiry both due
		h.log.add(&hub.Event{})
		if m := c.next(5 * time.Second); m.closeCode != CloseTokenExpired {
			t.Fatalf("after exp got %+v, want close %d and nothing else", m, CloseTokenExpired)
		}
	})
	t.Run("Revoked4401", func(t *testing.T) {
		h, clk := newClockHarness(t, Config{HeartbeatInterval: time.Minute}, false)
		c := h.dial("member-a")
		c.subscribe("", nil)
		h.tk.revoke("member-a")
		clk.Advance(time.Minute) // the heartbeat re-checks the token
		if code := c.closeCode(5 * time.Second); code != CloseTokenExpired {
			t.Fatalf("close %d, want %d", code, CloseTokenExpired)
		}
	})
	t.Run("CursorExpired4410", func(t *testing.T) {
		h := newHarness(t, Config{RingSize: 4})
		for range 20 {
			h.log.add(&hub.Event{})
		}
		waitFor(t, func() bool { return h.feed.tail.position() == 20 })
		h.log.purge(10)
		for _, tc := range []struct {
			cursor int64
			want   int
		}{{9, CloseCursorExpired}, {10, 0}} {
			c := h.dial("member-a")
			if err := c.conn.WriteJSON(map[string]any{"op": "subscribe", "cursor": EncodeCursor(tc.cursor)}); err != nil {
				t.Fatal(err)
			}
			m := c.next(5 * time.Second)
			if tc.want == 0 {
				if m.Op != "subscribed" {
					t.Fatalf("cursor %d: got %+v, want subscribed", tc.cursor, m)
				}
				if e := c.nextEvent(5 * time.Second); seqOf(t, e.Cursor) != 11 {
					t.Fatalf("cursor %d: first event %s", tc.cursor, e.Cursor)
				}
				continue
			}
			if m.Op != "error" || m.Code != "cursor_expired" {
				t.Fatalf("cursor %d: got %+v", tc.cursor, m)
			}
			if code := c.closeCode(5 * time.Second); code != tc.want {
				t.Fatalf("cursor %d: close %d, want %d", tc.cursor, code, tc.want)
			}
		}
	})
	t.Run("Drain1001", func(t *testing.T) {
		h := newHarness(t, Config{})
		c := h.dial("member-a")
		c.subscribe("", nil)
		done := make(chan error, 1)
		go func() { done <- h.feed.Shutdown(t.Context()) }()
		if code := c.closeCode(5 * time.Second); code != CloseGoingAway {
			t.Fatalf("close %d, want %d", code, CloseGoingAway)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		_, resp, err := websocket.DefaultDialer.Dial(h.url, http.Header{"Authorization": {"Bearer member-a"}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("dial while draining: %v", err)
		}
	})
	t.Run("Overloaded1013", func(t *testing.T) {
		h := newHarness(t, Config{MaxSessions: 1})
		h.dial("member-a").subscribe("", nil)
		c := h.dial("member-b")
		if code := c.closeCode(5 * time.Second); code != CloseOverloaded {
			t.Fatalf("close %d, want %d", code, CloseOverloaded)
		}
	})
}

// A client that stops reading is closed 4408 with its queue bounded, in
// events or in bytes; the others get every event without delay, and the
// slow one resumes from its cursor without loss.
func TestSlowConsumer(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"Events", Config{QueueSize: 32, BatchSize: 4}},
		// 1 MiB holds about 20 of the 16 KiB events (event.size: about
		// 50 KB each), far below the default QueueSize.
		{"Bytes", Config{QueueBytes: 1 << 20, BatchSize: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) { testSlowConsumer(t, tc.cfg) })
	}
}

func testSlowConsumer(t *testing.T, cfg Config) {
	// The write deadline is long enough that the queue, not a loaded
	// machine's slowness, is what cuts the slow client off.
	cfg.WriteWait = time.Minute
	h := newHarness(t, cfg)
	slow, fast := h.dial("member-a"), h.dial("member-b")
	slow.subscribe("", nil)
	fast.subscribe("", nil)
	big := []byte(`{"type":"indicator","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","description":"` + strings.Repeat("x", 16<<10) + `"}`)
	const n = 1000
	// The publisher stays at most window events ahead of the fast client,
	// well inside its queue however loaded the machine is, while the slow
	// client's backlog grows without bound until it is cut off.
	const window = 8
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	go func() {
		for range n {
			<-credits
			h.log.add(&hub.Event{Object: big})
		}
	}()
	// The fast one receives all n in order while the slow one does not read.
	for want := int64(1); want <= n; want++ {
		m := fast.nextEvent(5 * time.Second)
		if m.Op != "event" || seqOf(t, m.Cursor) != want {
			t.Fatalf("fast client got %+v, want event %d", m, want)
		}
		credits <- struct{}{}
	}
	// The slow one: events it had (in socket buffers), then 4408.
	var last int64
	for {
		m := slow.next(5 * time.Second)
		if m.closeCode != 0 {
			if m.closeCode != CloseSlowConsumer {
				t.Fatalf("slow client closed %d, want %d", m.closeCode, CloseSlowConsumer)
			}
			break
		}
		if m.Op == "event" {
			if _, err := DecodeCursor(m.Cursor); err != nil {
				t.Fatalf("bad message %+v", m)
			}
			last = seqOf(t, m.Cursor)
		}
	}
	if last >= n {
		t.Fatalf("slow client got every event; the test did not make it slow")
	}
	again := h.dial("member-a")
	again.subscribe(EncodeCursor(last), nil)
	for want := last + 1; want <= n; want++ {
		if m := again.nextEvent(5 * time.Second); seqOf(t, m.Cursor) != want {
			t.Fatalf("resumed client got %s, want %d", m.Cursor, want)
		}
	}
}

// Heartbeats carry a cursor that moves past events the filter drops.
func TestHeartbeatCursorAdvancesPastFiltered(t *testing.T) {
	t.Parallel()
	h, clk := newClockHarness(t, Config{HeartbeatInterval: time.Minute}, false)
	c := h.dial("member-a")
	c.subscribe("", &Filter{Types: []string{"malware"}})
	for range 3 {
		h.log.add(&hub.Event{})
	}
	// One heartbeat per interval; the tailer may take a few to queue the
	// events the filter drops.
	for range 100 {
		clk.Advance(time.Minute)
		m := c.next(5 * time.Second)
		if m.Op != "heartbeat" {
			t.Fatalf("got %+v, want a heartbeat (filtered events are not delivered)", m)
		}
		if seqOf(t, m.Cursor) == 3 {
			return
		}
	}
	t.Fatal("heartbeat cursor never reached 3")
}

// Many clients subscribing, reading and closing while events are
// published: run with -race; every session ends and the feed drains.
func TestManyClientsConcurrently(t *testing.T) {
	h := newHarness(t, Config{QueueSize: 64})
	stop := h.publishEvery(time.Millisecond)
	var clients sync.WaitGroup
	for i := range 40 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			token := []string{"member-a", "member-b", "community"}[i%3]
			hdr := http.Header{"Authorization": {"Bearer " + token}}
			d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: 5 * time.Second}
			conn, _, err := d.Dial(h.url, hdr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			if err := conn.WriteJSON(map[string]any{"op": "subscribe", "cursor": EncodeCursor(int64(i))}); err != nil {
				t.Error(err)
				return
			}
			var prev int64
			for range 20 + i {
				_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
				var m serverMsg
				if err := conn.ReadJSON(&m); err != nil {
					t.Error(err)
					return
				}
				if m.Op == "event" {
					s, _ := DecodeCursor(m.Cursor)
					if s <= prev {
						t.Errorf("client %d: event %d after %d", i, s, prev)
					}
					prev = s
				}
			}
			if i%2 == 0 {
				_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			}
		}()
	}
	clients.Wait()
	stop()
	waitFor(t, func() bool {
		h.feed.mu.Lock()
		defer h.feed.mu.Unlock()
		return len(h.feed.sessions) == 0
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
