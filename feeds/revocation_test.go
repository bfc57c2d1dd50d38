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
	start := time.Now()
	h := newPollingHarness(t, Config{PollInterval: poll, HeartbeatInterval: time.Hour})
	a1, a2, b := h.dial("member-a"), h.dial("member-a"), h.dial("member-b")
	for _, c := range []*client{a1, a2, b} {
		defer c.conn.Close()
		c.subscribe("", nil)
	}

	revoked := time.Now()
	h.tk.revoke("member-a")
	for i, c := range []*client{a1, a2} {
		if code := c.closeCode(5 * time.Second); code != CloseTokenExpired {
			t.Fatalf("session %d of the revoked token: close %d, want %d", i, code, CloseTokenExpired)
		}
		if took := time.Since(revoked); took > 2*poll {
			t.Errorf("session %d of the revoked token closed after %v, want within 2 poll intervals (%v)", i, took, 2*poll)
		}
	}

	ev := h.log.add(&hub.Event{})
	if m := b.nextEvent(5 * time.Second); m.closeCode != 0 || m.Op != "event" || seqOf(t, m.Cursor) != ev.Seq {
		t.Fatalf("other token's session got %+v, want event %d", m, ev.Seq)
	}

	// One query per interval (plus the first) for three sessions; a poll
	// per session would make at least three per interval.
	if polls, most := h.tk.pollCount(), int(time.Since(start)/poll)+2; polls > most {
		t.Errorf("%d revocation polls in %v, want at most %d (one per interval)", polls, time.Since(start), most)
	}
}
