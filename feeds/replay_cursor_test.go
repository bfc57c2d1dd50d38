package feeds

import (
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
)

// TestHeartbeatDuringRingReplayNeverPassesUnsentEvents: a session that
// replays from the tailer's ring is attached before the ring's events are
// written; a heartbeat sent meanwhile must not report a cursor past events
// it has not sent yet, or a client resuming from it would skip them.
func TestHeartbeatDuringRingReplayNeverPassesUnsentEvents(t *testing.T) {
	t.Parallel()
	const n = 5000
	h := newHarness(t, Config{HeartbeatInterval: time.Millisecond})
	live := h.dial("member-a")
	defer live.conn.Close()
	live.subscribe("", nil) // keeps the tailer reading: the ring fills
	for range n {
		h.log.add(&hub.Event{})
	}
	for got := int64(0); got < n; {
		m := live.nextEvent(5 * time.Second)
		if m.Op != "event" {
			t.Fatalf("live session: %+v", m)
		}
		got = seqOf(t, m.Cursor)
	}

	c := h.dial("member-a")
	defer c.conn.Close()
	c.subscribe(EncodeCursor(0), nil)
	var last int64
	heartbeats := 0
	for last < n {
		m := c.next(5 * time.Second)
		switch m.Op {
		case "event":
			seq := seqOf(t, m.Cursor)
			if seq != last+1 {
				t.Fatalf("event %d after %d", seq, last)
			}
			last = seq
		case "heartbeat":
			heartbeats++
			if hb := seqOf(t, m.Cursor); hb > last {
				t.Fatalf("heartbeat cursor %d while only events up to %d were sent", hb, last)
			}
		default:
			t.Fatalf("unexpected message %+v", m)
		}
	}
	if heartbeats == 0 {
		t.Fatal("no heartbeat during the replay: the check did not run")
	}
}
