package feeds

import (
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// TestNothingSentAfterExp: a token accepted within the verifier's leeway
// after its exp (or one that expires before the subscribe message) gets
// no message at all, not even "subscribed": the session closes 4401.
func TestNothingSentAfterExp(t *testing.T) {
	for _, cursor := range []string{"", EncodeCursor(0)} {
		t.Run("cursor="+cursor, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.tk.add("expired", &auth.Principal{Org: orgA, Tier: auth.TierMember, Expires: time.Now().Add(-time.Second)})
			h.log.add(&hub.Event{})
			c := h.dial("expired")
			defer c.conn.Close()
			msg := map[string]any{"op": "subscribe"}
			if cursor != "" {
				msg["cursor"] = cursor
			}
			if err := c.conn.WriteJSON(msg); err != nil {
				t.Fatal(err)
			}
			if m := c.next(5 * time.Second); m.closeCode != CloseTokenExpired {
				t.Fatalf("got %+v, want close %d before any message", m, CloseTokenExpired)
			}
		})
	}
}
