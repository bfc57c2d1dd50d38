package feeds

import (
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
)

// TestRevocationPoll: with a revocation store that is also a
// RevocationFeed, every session of a revoked token closes with 4401
// within about one poll interval although no heartbeat is due; sessions
// of other tokens carry on; and the store is asked once per interval for
// the whole replica, not once per session.
func TestRevocationPoll(t *testing.T) {
	const poll = 200 * time.Millisecond
	h, clk := newClockHarness(t, Config{PollInterval: poll, HeartbeatInterval: time.Hour}, true)
	a1, a2, b := h.dial("member-a"), h.dial("member-a"), h.dial("member-b")
	for _, c := range []*client{a1, a2, b} {
		defer c.conn.Close()
		c.subscribe("", nil)
	}
	// The revocation loop has made its first poll and waits for its tick.
	waitFor(t, func() bool { return h.tk.pollCount() >= 1 && clk.active(poll) == 1 })
	before := h.tk.pollCount()

	h.tk.revoke("member-a")
	clk.Advance(poll) // one interval: no heartbeat is due (HeartbeatInterval 1 h)
	for i, c := range []*client{a1, a2} {
		if code := c.closeCode(5 * time.Second); code != CloseTokenExpired {
			t.Fatalf("session %d of the revoked token: close %d, want %d", i, code, CloseTokenExpired)
		}
	}

	ev := h.log.add(&hub.Event{})
	if m := b.nextEvent(5 * time.Second); m.closeCode != 0 || m.Op != "event" || seqOf(t, m.Cursor) != ev.Seq {
		t.Fatalf("other token's session got %+v, want event %d", m, ev.Seq)
	}
	// One query for the interval for three sessions, not one per session.
	if polls := h.tk.pollCount() - before; polls != 1 {
		t.Errorf("%d revocation polls in one interval, want 1", polls)
	}
}
