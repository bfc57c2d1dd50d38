package feeds

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// footprint is how many items the queue's arrays can hold: the memory it
// keeps, whatever waits in it.
func (q *queue) footprint() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return cap(q.items) + cap(q.spare)
}

// backlog is how many items wait.
func (q *queue) backlog() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// queueSession is a session of member org A that wants every event, with
// a queue bounded by limit; nothing runs its writer.
func queueSession(t *testing.T, limit int) *session {
	t.Helper()
	sel, err := Filter{}.compile()
	if err != nil {
		t.Fatal(err)
	}
	return &session{p: &auth.Principal{Org: orgA, Tier: auth.TierMember, Expires: time.Now().Add(time.Hour)},
		sel: sel, queue: newQueue(limit)}
}

// events returns green events first..last, or red ones addressed to org B
// only (invisible to org A).
func events(first, last int64, tlp string) []*event {
	var evs []*event
	for seq := first; seq <= last; seq++ {
		ev := &event{Event: &hub.Event{Seq: seq, Type: "indicator", Org: orgB, CreatedBy: orgB, TLP: tlp}}
		if tlp == auth.TLPRed {
			ev.Recipients = []string{orgB}
		}
		evs = append(evs, ev)
	}
	return evs
}

func seqs(items []item) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ev.Seq)
	}
	return out
}

// offer queues what the session may see, in order, up to the limits (in
// events and in bytes) and not beyond; the position is stored only when
// everything fit, and the writer is woken only when something was queued.
// An event alone in an empty queue fits whatever its size.
func TestOfferBoundedQueue(t *testing.T) {
	const evBytes = 1024 // event.size of the events below (no object)
	for _, tc := range []struct {
		name       string
		limit      int
		limitBytes int64 // 0: the default
		last       int64 // position before the offer
		batch      []*event
		wantOK     bool
		wantQueue  []int64
		wantLast   int64
	}{
		{"UpToLimit", 4, 0, 0, events(1, 4, auth.TLPGreen), true, []int64{1, 2, 3, 4}, 4},
		{"BeyondLimit", 4, 0, 0, events(1, 5, auth.TLPGreen), false, []int64{1, 2, 3, 4}, 0},
		{"AlreadyConsidered", 4, 0, 2, events(1, 4, auth.TLPGreen), true, []int64{3, 4}, 4},
		{"InvisibleAdvancePosition", 4, 0, 0, events(1, 6, auth.TLPRed), true, nil, 6},
		{"UpToByteLimit", 100, 4 * evBytes, 0, events(1, 4, auth.TLPGreen), true, []int64{1, 2, 3, 4}, 4},
		{"BeyondByteLimit", 100, 3*evBytes + evBytes/2, 0, events(1, 4, auth.TLPGreen), false, []int64{1, 2, 3}, 0},
		{"OneEventBeyondBytesFitsAlone", 100, evBytes / 2, 0, events(1, 1, auth.TLPGreen), true, []int64{1}, 1},
		{"SecondEventBeyondBytes", 100, evBytes / 2, 0, events(1, 2, auth.TLPGreen), false, []int64{1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := queueSession(t, tc.limit)
			if tc.limitBytes > 0 {
				s.queue.limitBytes = tc.limitBytes
			}
			s.last.Store(tc.last)
			if ok := s.offer(tc.batch); ok != tc.wantOK {
				t.Fatalf("offer = %v, want %v", ok, tc.wantOK)
			}
			if got := s.last.Load(); got != tc.wantLast {
				t.Fatalf("last = %d, want %d", got, tc.wantLast)
			}
			woken := false
			select {
			case <-s.queue.ready:
				woken = true
			default:
			}
			if want := tc.wantOK && len(tc.wantQueue) > 0; woken != want {
				t.Fatalf("writer woken %v, want %v", woken, want)
			}
			got := seqs(s.queue.take())
			if !slices.Equal(got, tc.wantQueue) {
				t.Fatalf("queued %v, want %v", got, tc.wantQueue)
			}
		})
	}
}

// The queue's memory follows its backlog: a burst grows it, and once the
// writer has taken and written the burst the large array is released,
// while a small one is kept and reused for the next events.
func TestQueueReleasesBurstMemory(t *testing.T) {
	s := queueSession(t, DefaultQueueSize)
	if n := s.queue.footprint(); n != 0 {
		t.Fatalf("a new queue holds room for %d items, want 0", n)
	}
	const burst = 5000
	if !s.offer(events(1, burst, auth.TLPGreen)) {
		t.Fatalf("a burst of %d refused by a queue of %d", burst, DefaultQueueSize)
	}
	if n := s.queue.footprint(); n < burst {
		t.Fatalf("queue holds room for %d items with %d waiting", n, burst)
	}
	batch := s.queue.take()
	if len(batch) != burst || batch[0].ev.Seq != 1 || batch[burst-1].ev.Seq != burst {
		t.Fatalf("took %d items (%v..), want 1..%d", len(batch), seqs(batch[:1]), burst)
	}
	s.queue.recycle(batch)
	if n := s.queue.footprint(); n != 0 {
		t.Fatalf("after the burst drained the queue holds room for %d items, want 0", n)
	}

	// Small backlogs reuse one small array.
	if !s.offer(events(burst+1, burst+10, auth.TLPGreen)) {
		t.Fatal("offer refused")
	}
	small := s.queue.take()
	s.queue.recycle(small)
	if n := s.queue.footprint(); n == 0 || n > queueKeep {
		t.Fatalf("after a small backlog the queue holds room for %d items, want 1..%d", n, queueKeep)
	}
	if !s.offer(events(burst+11, burst+12, auth.TLPGreen)) {
		t.Fatal("offer refused")
	}
	if again := s.queue.take(); &again[:1][0] != &small[:1][0] {
		t.Fatal("the small array was not reused")
	}
}

// A bundle's burst of events, far more than the former 1,024-event queue,
// reaches a subscriber with the default queue without a 4408: one that
// keeps reading, and one that stalls until the burst waits in its queue.
// Once the burst is written the queue's large array is released.
func TestBurstWithinDefaultQueue(t *testing.T) {
	const (
		burst       = 5000
		formerLimit = 1024 // DefaultQueueSize before queues grew lazily
	)
	// 4 KiB objects: the kernel's socket buffers hold at most about a
	// thousand of them, so a stalled reader leaves most of the burst in
	// the queue.
	obj := []byte(`{"type":"indicator","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","description":"` + strings.Repeat("x", 4<<10) + `"}`)
	for _, tc := range []struct {
		name  string
		stall bool
	}{
		{"Reading", false},
		{"StalledThenReading", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The default queue, and a write deadline long enough that a
			// loaded machine's stall is never taken for a dead client.
			h := newHarness(t, Config{WriteWait: time.Minute})
			c := h.dial("member-a")
			c.subscribe("", nil)
			s := onlySession(t, h.feed)
			go func() {
				for range burst {
					h.log.add(&hub.Event{Object: obj})
				}
			}()
			if tc.stall {
				waitFor(t, func() bool { return h.feed.tail.position() == burst })
				// Unsent: what waits in the queue plus what the writer took
				// but could not write (it may take the whole backlog at once).
				if n := s.queue.backlog() + int(s.inFlight.Load()); n <= formerLimit {
					t.Fatalf("%d events unsent after the burst, want more than %d: the test did not stall the writer", n, formerLimit)
				}
			}
			for want := int64(1); want <= burst; want++ {
				m := c.nextEvent(5 * time.Second)
				if m.closeCode != 0 {
					t.Fatalf("closed %d after event %d", m.closeCode, want-1)
				}
				if m.Op != "event" || seqOf(t, m.Cursor) != want {
					t.Fatalf("got %+v, want event %d", m, want)
				}
			}
			waitFor(t, func() bool { return s.queue.footprint() <= 2*queueKeep })
		})
	}
}

// onlySession returns the feed's one session.
func onlySession(t *testing.T, f *Feed) *session {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(f.sessions))
	}
	for s := range f.sessions {
		return s
	}
	return nil
}
