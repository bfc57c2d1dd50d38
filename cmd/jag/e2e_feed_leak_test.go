package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// End-to-end tests of what the feed may reveal about events a viewer
// cannot see (issue 10 finding 9, feed parts).

// TestFeedCursorsRevealNoHiddenEvents: between two events org B may see,
// org A publishes TLP:RED objects for itself. B's cursors (subscribed,
// events, heartbeats) are sealed: they do not decode to log positions, a
// heartbeat at the same position differs from the last event's cursor,
// they have one length, a forged or altered cursor is refused, and the
// sealed cursor of B's first event resumes on another replica exactly
// after it.
func TestFeedCursorsRevealNoHiddenEvents(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	w := newIngestWorld(t, dbURL)
	ps := startReplicas(t, 2, dbURL)
	bRead := w.token(e2eOrgB, auth.TierMember, auth.ScopeRead)
	conn := watchDial(t, ps[0].URL, bRead, nil)
	sub := next(t, conn, 10*time.Second)
	if sub.Op != "subscribed" {
		t.Fatalf("first message %+v", sub)
	}

	first := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = 'first.leak.example']", ""))
	w.submit(ps[0].URL, e2eOrgA, first)
	var hidden []string
	for range 7 {
		hidden = append(hidden, w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = 'hidden.leak.example']", marking(stix.TLPRedID)), e2eOrgA))
	}
	w.submit(ps[0].URL, e2eOrgA, hidden...)
	second := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = 'second.leak.example']", ""))
	w.submit(ps[0].URL, e2eOrgA, second)

	e1 := next(t, conn, 15*time.Second)
	e2 := next(t, conn, 15*time.Second)
	if e1.Op != "event" || e2.Op != "event" || !strings.Contains(string(e1.Object), "first.leak") || !strings.Contains(string(e2.Object), "second.leak") {
		t.Fatalf("B received %+v then %+v", e1, e2)
	}
	// A heartbeat comes at most 15 s later; it names the position of e2.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var hb watchMsg
	for hb.Op != "heartbeat" {
		if err := conn.ReadJSON(&hb); err != nil {
			t.Fatal(err)
		}
		if hb.Op == "event" {
			t.Fatalf("B received a third event %s", hb.Object)
		}
	}
	cursors := map[string]string{"subscribed": sub.Cursor, "first event": e1.Cursor, "second event": e2.Cursor, "heartbeat": hb.Cursor}
	for what, c := range cursors {
		if seq, err := feeds.DecodeCursor(c); err == nil {
			t.Errorf("%s cursor %q reads as log position %d", what, c, seq)
		}
		if len(c) != len(e1.Cursor) {
			t.Errorf("%s cursor %q: length %d, the first event's is %d", what, c, len(c), len(e1.Cursor))
		}
	}
	if hb.Cursor == e2.Cursor {
		t.Errorf("the heartbeat repeats the last event's cursor: cursors are not sealed afresh")
	}
	// The hub still reads them: they name e1, e2, e2.
	codec := hubCursors(t, w.db)
	p1, err1 := codec.Decode(e1.Cursor)
	p2, err2 := codec.Decode(e2.Cursor)
	ph, errh := codec.Decode(hb.Cursor)
	if err1 != nil || err2 != nil || errh != nil || ph != p2 || p2 <= p1 {
		t.Fatalf("positions %d %d %d (%v %v %v)", p1, p2, ph, err1, err2, errh)
	}

	// Resuming from the first event's cursor on the other replica gives
	// the second event next.
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 10 * time.Second}
	again, _, err := d.Dial("ws"+strings.TrimPrefix(ps[1].URL, "http")+"/v1/feed", http.Header{"Authorization": {"Bearer " + bRead}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := again.WriteJSON(map[string]any{"op": "subscribe", "cursor": e1.Cursor}); err != nil {
		t.Fatal(err)
	}
	if m := next(t, again, 10*time.Second); m.Op != "subscribed" {
		t.Fatalf("resume: %+v", m)
	}
	if m := next(t, again, 10*time.Second); m.Op != "event" || !strings.Contains(string(m.Object), "second.leak") {
		t.Fatalf("resume from the first event: %+v", m)
	}

	// An altered cursor is refused like any malformed one.
	b := []byte(e1.Cursor)
	b[20] ^= 1
	if b[20] == '-' || b[20] == '_' { // keep it base64url
		b[20] = 'Q'
	}
	for _, bad := range []string{string(b), feeds.EncodeCursor(p1 + 1)[:5] + strings.Repeat("A", 45)} {
		c := watchDialCursor(t, ps[1].URL, bRead, bad)
		if m := next(t, c, 10*time.Second); m.Op != "error" || m.Code != "bad_request" {
			t.Fatalf("altered cursor %q: %+v", bad, m)
		}
	}
}

// TestFeedUpdatedAsTheViewerSeesIt: a version B may see of an object
// whose earlier versions B could not see is announced to B as
// object.created; the org that saw the earlier version is told of an
// update, and B is told of the next one.
func TestFeedUpdatedAsTheViewerSeesIt(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	w := newIngestWorld(t, dbURL)
	p := startServe(t, dbURL)
	bConn := watchDial(t, p.URL, w.token(e2eOrgB, auth.TierMember, auth.ScopeRead), nil)
	aConn := watchDial(t, p.URL, w.tokens["a-read"], nil)
	for _, c := range []*websocket.Conn{aConn, bConn} {
		if m := next(t, c, 10*time.Second); m.Op != "subscribed" {
			t.Fatalf("first message %+v", m)
		}
	}
	id := w.id("indicator")
	pat := "[domain-name:value = 'versions.leak.example']"
	v1 := w.sign(e2eOrgA, indicatorOf(e2eOrgA, id, "2026-01-01T00:00:00.000Z", pat, marking(stix.TLPRedID)), e2eOrgA)
	v2 := w.sign(e2eOrgA, indicatorOf(e2eOrgA, id, "2026-01-02T00:00:00.000Z", pat, marking(stix.TLPGreenID)))
	v3 := w.sign(e2eOrgA, indicatorOf(e2eOrgA, id, "2026-01-03T00:00:00.000Z", pat, marking(stix.TLPGreenID)))
	w.submit(p.URL, e2eOrgA, v1)
	w.submit(p.URL, e2eOrgA, v2)
	w.submit(p.URL, e2eOrgA, v3)

	kinds := func(c *websocket.Conn, n int) []string {
		var out []string
		for range n {
			m := next(t, c, 15*time.Second)
			if m.Op != "event" {
				t.Fatalf("message %+v", m)
			}
			out = append(out, m.Event)
		}
		return out
	}
	if got := strings.Join(kinds(aConn, 3), " "); got != "object.created object.updated object.updated" {
		t.Errorf("the creating org was told %q", got)
	}
	if got := strings.Join(kinds(bConn, 2), " "); got != "object.created object.updated" {
		t.Errorf("B, who could not see the first version, was told %q; want object.created object.updated", got)
	}
	// Replaying from the start tells B the same.
	replay := watchDialCursor(t, p.URL, w.token(e2eOrgB, auth.TierMember, auth.ScopeRead), feeds.EncodeCursor(0))
	if m := next(t, replay, 10*time.Second); m.Op != "subscribed" {
		t.Fatalf("replay: %+v", m)
	}
	if got := strings.Join(kinds(replay, 2), " "); got != "object.created object.updated" {
		t.Errorf("B replaying was told %q", got)
	}
}

// watchDialCursor opens a session on base and subscribes from cursor.
func watchDialCursor(t *testing.T, base, token, cursor string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/feed", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.WriteJSON(map[string]any{"op": "subscribe", "cursor": cursor}); err != nil {
		t.Fatal(err)
	}
	return conn
}
