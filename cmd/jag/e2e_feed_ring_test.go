package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestFeedRingBoundedInBytes: a replica's ring of recent events is bounded
// in bytes, not only in events (issue #10, finding 8). `jag serve` runs
// with --feed-ring-bytes 1 MiB while 16 signed indicators of about 128 KB
// each (2 MB; the ring counts about 3 times an object's size) are
// submitted:
//   - a live subscriber receives every event, in log order;
//   - /metrics shows a ring holding exactly the newest events that fit in
//     the bound (jag_feed_ring_events, jag_feed_ring_bytes), far fewer
//     than were submitted;
//   - subscribers resuming from the start and from the first event's
//     cursor, which lie behind the ring, are served from the database
//     and still receive every event, in order, with the same bytes.
func TestFeedRingBoundedInBytes(t *testing.T) {
	t.Parallel()
	const (
		ringBytes = 1 << 20
		bundles   = 4
		perBundle = 4
		descBytes = 128 << 10
		total     = bundles * perBundle
	)
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL, "--feed-ring-bytes", strconv.Itoa(ringBytes))
	cursors := hubCursors(t, w.db)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	live := ringSubscribe(ctx, t, p.URL, w.tokens["a-read"], "")
	defer live.Close()

	var ids []string
	for b := range bundles {
		var objs []string
		for o := range perBundle {
			id := w.id("indicator")
			desc := fmt.Sprintf("bundle %d object %d ", b, o)
			desc += strings.Repeat("large description ", (descBytes-len(desc))/18)
			objs = append(objs, w.sign(e2eOrgA, indicatorOf(e2eOrgA, id, "2026-01-01T00:00:00.000Z",
				fmt.Sprintf("[domain-name:value = 'ring-%d-%d.example']", b, o), `,"description":"`+desc+`"`)))
			ids = append(ids, id)
		}
		w.submit(p.URL, e2eOrgA, objs...)
	}

	type logEvent struct {
		Seq      int64
		ObjectID string `db:"object_id"`
	}
	var logged []logEvent
	if err := w.db.SQLX().Select(&logged, `SELECT seq, object_id FROM events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if len(logged) != total {
		t.Fatalf("%d events in the log, submitted %d objects", len(logged), total)
	}
	for i, e := range logged {
		if e.ObjectID != ids[i] {
			t.Fatalf("log event %d is %s, submitted %s", i, e.ObjectID, ids[i])
		}
	}
	// check asserts that msgs are the log's events from index from on, in
	// order, each with its submitted object (and, given want, the same
	// bytes as want's).
	check := func(who string, msgs []feedMsg, from int, want []feedMsg) {
		t.Helper()
		if len(msgs) != total-from {
			t.Fatalf("%s: %d events, want %d", who, len(msgs), total-from)
		}
		for i, m := range msgs {
			e := logged[from+i]
			seq, err := cursors.Decode(m.Cursor)
			if err != nil {
				t.Fatalf("%s: event %d: %v", who, i, err)
			}
			if seq != e.Seq || m.Event != "object.created" || !bytes.Contains(m.Object, []byte(`"id":"`+e.ObjectID+`"`)) || len(m.Object) < descBytes {
				t.Fatalf("%s: event %d is seq %d %s (%d bytes), want seq %d of %s", who, i, seq, m.Event, len(m.Object), e.Seq, e.ObjectID)
			}
			if want != nil && !bytes.Equal(m.Object, want[from+i].Object) {
				t.Fatalf("%s: event %d (seq %d) differs from the live subscriber's", who, i, seq)
			}
		}
	}
	got := ringEvents(t, live, total)
	check("live subscriber", got, 0, nil)

	// The ring is the newest events whose sizes (3 × object + 1 KiB, as
	// the feed counts them) fit in the bound, the newest always.
	var wantEvents, wantBytes, largest int64
	for i := len(got) - 1; i >= 0; i-- {
		size := 3*int64(len(got[i].Object)) + 1024
		largest = max(largest, size)
		if wantEvents > 0 && wantBytes+size > ringBytes {
			break
		}
		wantEvents++
		wantBytes += size
	}
	m := scrape(t, p.URL, w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin))
	ringN, okN := m["jag_feed_ring_events"]
	ringB, okB := m["jag_feed_ring_bytes"]
	if !okN || !okB {
		t.Fatalf("ring gauges missing from /metrics (events %v, bytes %v)", okN, okB)
	}
	if ringB > ringBytes+float64(largest) || ringN >= total || ringN < 1 {
		t.Fatalf("ring holds %v events, %v bytes: bound %d bytes (+ one event of %d), %d events submitted", ringN, ringB, ringBytes, largest, total)
	}
	if ringN != float64(wantEvents) || ringB != float64(wantBytes) {
		t.Fatalf("ring holds %v events, %v bytes; the newest events within %d bytes are %d, %d bytes", ringN, ringB, ringBytes, wantEvents, wantBytes)
	}
	t.Logf("ring: %v of %d events, %v bytes (bound %d)", ringN, total, ringB, ringBytes)

	// Both cursors lie behind the ring (the log's first event left it
	// long ago): the replay reads the database.
	fromStart := ringSubscribe(ctx, t, p.URL, w.tokens["a-read"], feeds.EncodeCursor(0))
	defer fromStart.Close()
	check("subscriber from the start", ringEvents(t, fromStart, total), 0, got)
	fromFirst := ringSubscribe(ctx, t, p.URL, w.tokens["a-read"], got[0].Cursor)
	defer fromFirst.Close()
	check("subscriber from the first event's cursor", ringEvents(t, fromFirst, total-1), 1, got)
}

// ringSubscribe opens a feed session with token from cursor ("" the live
// edge) and waits for "subscribed".
func ringSubscribe(ctx context.Context, t *testing.T, base, token, cursor string) *websocket.Conn {
	t.Helper()
	conn, err := feedDial(ctx, base, token, cursor)
	if err != nil {
		t.Fatal(err)
	}
	for {
		m := ringNext(t, conn)
		if m.Op == "subscribed" {
			return conn
		}
		if m.Op != "heartbeat" {
			conn.Close()
			t.Fatalf("before subscribed: %+v", m)
		}
	}
}

// ringEvents reads n event messages from conn, skipping heartbeats.
func ringEvents(t *testing.T, conn *websocket.Conn, n int) []feedMsg {
	t.Helper()
	var out []feedMsg
	for len(out) < n {
		m := ringNext(t, conn)
		switch m.Op {
		case "event":
			out = append(out, m)
		case "heartbeat":
		default:
			t.Fatalf("after %d events: %+v", len(out), m)
		}
	}
	return out
}

// ringNext reads one message, allowing a minute on a loaded machine.
func ringNext(t *testing.T, conn *websocket.Conn) feedMsg {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	var m feedMsg
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("feed: %v", err)
	}
	return m
}
