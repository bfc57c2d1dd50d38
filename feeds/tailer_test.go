package feeds

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// tailerState reads the tailer's fields under its lock.
func tailerState(f *Feed) (head, floor int64, ring, users, subs int) {
	t := f.tail
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head, t.floor, len(t.ring), t.users, len(t.subs)
}

// reads is how many times the log was asked for events.
func (l *memLog) readCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reads
}

// behindReads returns how many reads started below the head of the log
// (a replay's; the tailer's polls at the head do not count).
func (l *memLog) behindReads() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.behind
}

// Without any session the tailer follows the head only: no event is read,
// the ring stays empty, and a session arriving later still gets every
// event after its cursor (from the database) and then live ones.
func TestTailerIdleReadsNoEvents(t *testing.T) {
	h := newHarness(t, Config{RingSize: 64, BatchSize: 10})
	for range 100 {
		h.log.add(&hub.Event{})
	}
	waitFor(t, func() bool { return h.feed.tail.position() == 100 })
	if n := h.log.readCount(); n != 0 {
		t.Fatalf("idle tailer read events %d times, want 0", n)
	}
	if _, floor, ring, _, _ := tailerState(h.feed); floor != 100 || ring != 0 {
		t.Fatalf("idle tailer: floor %d, ring %d; want 100, 0", floor, ring)
	}

	c := h.dial("member-a")
	if got := seqOf(t, c.subscribe(EncodeCursor(90), nil)); got != 90 {
		t.Fatalf("subscribed at %d, want 90", got)
	}
	h.log.add(&hub.Event{})
	for want := int64(91); want <= 101; want++ {
		if m := c.nextEvent(5 * time.Second); m.Op != "event" || seqOf(t, m.Cursor) != want {
			t.Fatalf("got %+v, want event %d", m, want)
		}
	}

	// The last session gone, the ring is dropped at the next read.
	_ = c.conn.Close()
	waitFor(t, func() bool { _, _, _, users, _ := tailerState(h.feed); return users == 0 })
	h.log.add(&hub.Event{})
	waitFor(t, func() bool {
		head, floor, ring, _, _ := tailerState(h.feed)
		return head == 102 && floor == 102 && ring == 0
	})
}

// A session attaching while events are being committed and no other
// session exists (the tailer is following the head only) gets every later
// event exactly once, in order: at the live edge and from a cursor.
func TestTailerAttachWhileIdleNoGapNoDuplicate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cursor bool
	}{
		{"LiveEdge", false},
		{"Cursor", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{RingSize: 32, BatchSize: 8, QueueSize: 4096, PollInterval: time.Millisecond})
			for round := range 20 {
				waitFor(t, func() bool {
					_, _, ring, users, subs := tailerState(h.feed)
					return users == 0 && subs == 0 && ring == 0
				})
				stop := h.publishEvery(50 * time.Microsecond)
				time.Sleep(time.Duration(round%5) * time.Millisecond)
				c := h.dial("member-a")
				cursor := ""
				if tc.cursor {
					head, _, _ := h.log.EventHead(context.Background())
					cursor = EncodeCursor(head)
				}
				start := seqOf(t, c.subscribe(cursor, nil))
				time.Sleep(5 * time.Millisecond)
				stop()
				last, _, _ := h.log.EventHead(context.Background())
				for want := start + 1; want <= last; want++ {
					if m := c.nextEvent(5 * time.Second); m.Op != "event" || seqOf(t, m.Cursor) != want {
						t.Fatalf("round %d: from %d got %+v, want event %d", round, start, m, want)
					}
				}
				h.log.add(&hub.Event{})
				if m := c.nextEvent(5 * time.Second); m.Op != "event" || seqOf(t, m.Cursor) != last+1 {
					t.Fatalf("round %d: after %d got %+v, want event %d only", round, last, m, last+1)
				}
				_ = c.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
				_ = c.conn.Close()
			}
		})
	}
}

// gatedLog holds every EventHead until released, to open the race
// between a head read and a session attaching at the old head.
type gatedLog struct {
	*memLog
	entered chan struct{}
	release chan struct{}
}

func (g *gatedLog) EventHead(ctx context.Context) (int64, int64, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.memLog.EventHead(ctx)
}

// The head read of an idle tailer that a session overtook is dropped, so
// the session attached at the old head receives the events committed
// meanwhile. The control shows that the same read would otherwise have
// moved the head past them.
func TestTailerFollowYieldsToArrivingSession(t *testing.T) {
	for _, tc := range []struct {
		name     string
		arrive   bool
		wantHead int64
	}{
		{"SessionArrives", true, 5},
		{"ControlNobodyArrives", false, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &gatedLog{memLog: newMemLog(), entered: make(chan struct{}), release: make(chan struct{})}
			tk := &tokens{byToken: map[string]*auth.Principal{}, revoked: map[string]bool{}}
			f, err := New(Config{}, Deps{Source: g, Revocations: tk, Log: zerolog.Nop()})
			if err != nil {
				t.Fatal(err)
			}
			tl := f.tail
			ctx := context.Background()
			for range 5 {
				g.add(&hub.Event{})
			}
			tl.head, tl.floor = 5, 5 // as after an idle read; no goroutine runs yet

			type result struct {
				more bool
				err  error
			}
			done := make(chan result, 1)
			go func() {
				more, err := tl.follow(ctx)
				done <- result{more, err}
			}()
			<-g.entered // the head read is under way
			for range 3 {
				g.add(&hub.Event{})
			}
			sel, err := Filter{}.compile()
			if err != nil {
				t.Fatal(err)
			}
			s := &session{f: f, p: &auth.Principal{Org: orgA, Tier: auth.TierMember, Expires: time.Now().Add(time.Hour)},
				sel: sel, queue: newQueue(16)}
			if tc.arrive {
				tl.join()
				if pos, ok := tl.attachLive(s); !ok || pos != 5 {
					t.Fatalf("attached at %d (%v), want 5", pos, ok)
				}
			}
			close(g.release)
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if head := tl.position(); head != tc.wantHead || r.more != tc.arrive {
				t.Fatalf("after the head read: head %d, more %v; want %d, %v", head, r.more, tc.wantHead, tc.arrive)
			}
			if !tc.arrive {
				return
			}
			// The next read fetches the events after the old head.
			if _, err := tl.step(ctx); err != nil {
				t.Fatal(err)
			}
			queued := s.queue.take()
			for i, want := range []int64{6, 7, 8} {
				if i >= len(queued) {
					t.Fatalf("event %d not queued", want)
				}
				if queued[i].ev.Seq != want {
					t.Fatalf("queued %d, want %d", queued[i].ev.Seq, want)
				}
			}
			if n := len(queued) - 3; n != 0 {
				t.Fatalf("%d extra events queued", n)
			}
		})
	}
}

// While a session is attached the tailer keeps the ring, and a second
// session resuming from a cursor inside it is served from the ring.
func TestTailerRingWhileSessionsAttached(t *testing.T) {
	h := newHarness(t, Config{RingSize: 100, BatchSize: 10})
	a := h.dial("member-a")
	a.subscribe("", nil)
	for range 50 {
		h.log.add(&hub.Event{})
	}
	waitFor(t, func() bool { return h.feed.tail.position() == 50 })
	if _, floor, ring, _, _ := tailerState(h.feed); floor != 0 || ring != 50 {
		t.Fatalf("floor %d, ring %d; want 0, 50", floor, ring)
	}
	reads := h.log.behindReads()
	b := h.dial("member-a")
	if got := seqOf(t, b.subscribe(EncodeCursor(3), nil)); got != 3 {
		t.Fatalf("subscribed at %d, want 3", got)
	}
	for want := int64(4); want <= 50; want++ {
		if m := b.nextEvent(5 * time.Second); m.Op != "event" || seqOf(t, m.Cursor) != want {
			t.Fatalf("got %+v, want event %d", m, want)
		}
	}
	if n := h.log.behindReads(); n != reads {
		t.Fatalf("the replay read the log %d times, want 0 (the ring holds it)", n-reads)
	}
}
