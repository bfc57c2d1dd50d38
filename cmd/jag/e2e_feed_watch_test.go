package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of the feed's watchlists and handshake through a real
// `jag serve` (issue 10 findings 4 and 13, issue 11 point 8).

// watchMsg is a feed message with its watchlist matches.
type watchMsg struct {
	Op      string          `json:"op"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Cursor  string          `json:"cursor"`
	Event   string          `json:"event"`
	Object  json.RawMessage `json:"object"`
	Match   []feeds.Match   `json:"match"`
}

// watchDial opens a session on base with token and subscribes with filter.
func watchDial(t *testing.T, base, token string, filter map[string]any) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/feed", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.WriteJSON(map[string]any{"op": "subscribe", "filter": filter}); err != nil {
		t.Fatal(err)
	}
	return conn
}

// next reads the next message other than a heartbeat; a close ends the
// test with the close error as the message's Code "close:<code>".
func next(t *testing.T, conn *websocket.Conn, within time.Duration) watchMsg {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				return watchMsg{Op: "close", Code: fmt.Sprint(ce.Code), Message: ce.Text}
			}
			t.Fatalf("read: %v", err)
		}
		var m watchMsg
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m.Op != "heartbeat" {
			return m
		}
	}
}

// objectID is the id of an event's object.
func objectID(m watchMsg) string {
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(m.Object, &o)
	return o.ID
}

// TestFeedRefusesClientWithoutSubprotocol: a client that does not offer
// jag.v1 gets a 400 problem and is not upgraded (issue 10 finding 13).
func TestFeedRefusesClientWithoutSubprotocol(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	w := newIngestWorld(t, dbURL)
	p := startServe(t, dbURL)
	for _, protos := range [][]string{nil, {"chat"}, {"jag.v2"}} {
		d := websocket.Dialer{Subprotocols: protos, HandshakeTimeout: 10 * time.Second}
		conn, resp, err := d.Dial("ws"+strings.TrimPrefix(p.URL, "http")+"/v1/feed", http.Header{"Authorization": {"Bearer " + w.tokens["a-read"]}})
		if conn != nil {
			conn.Close()
			t.Fatalf("subprotocols %q: upgraded (subprotocol %q)", protos, conn.Subprotocol())
		}
		if resp == nil || resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("subprotocols %q: %v %v, want a 400 problem", protos, resp, err)
		}
	}
	// The browser form (jag.v1 plus the token as a subprotocol) still works.
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol, "bearer." + w.tokens["a-read"]}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(p.URL, "http")+"/v1/feed", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.Subprotocol() != feeds.Subprotocol {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
}

// TestFeedWatchNetworkAndSCOs: a watched network alerts on indicators for
// addresses and networks inside it (and networks containing it), and on
// observable objects (SCOs) as lookups find them; `jag lookup` of the
// network finds the same objects with the same labels (issue 10 finding
// 13, issue 11 point 8).
func TestFeedWatchNetworkAndSCOs(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	w := newIngestWorld(t, dbURL)
	p := startServe(t, dbURL)
	watcher := watchDial(t, p.URL, w.tokens["a-read"], map[string]any{"observables": []string{"192.0.2.0/24"}})
	if m := next(t, watcher, 10*time.Second); m.Op != "subscribed" {
		t.Fatalf("first message %+v", m)
	}

	inside := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[ipv4-addr:value = '192.0.2.200']", ""))
	smaller := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[ipv4-addr:value ISSUBSET '192.0.2.128/25']", ""))
	bigger := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[ipv4-addr:value ISSUBSET '192.0.0.0/16']", ""))
	outside := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[ipv4-addr:value = '192.0.3.1']", ""))
	scoID := "ipv4-addr--" + w.uuid()
	sco := w.sign(e2eOrgA, fmt.Sprintf(`{"type":"ipv4-addr","spec_version":"2.1","id":%q,"value":"192.0.2.77","created_by_ref":%q}`, scoID, e2eOrgA))
	w.submit(p.URL, e2eOrgA, outside, inside, smaller, bigger, sco)

	ids := func(objs ...string) []string {
		var out []string
		for _, o := range objs {
			var v struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(o), &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v.ID)
		}
		return out
	}
	want := map[string]string{} // object id → match label, observable value
	for i, id := range ids(inside, smaller, bigger, sco) {
		want[id] = []string{"contains 192.0.2.200", "contains 192.0.2.128/25", "cidr 192.0.0.0/16", "contains 192.0.2.77"}[i]
	}
	got := map[string]string{}
	for len(got) < len(want) {
		m := next(t, watcher, 15*time.Second)
		if m.Op != "event" {
			t.Fatalf("message %+v", m)
		}
		id := objectID(m)
		if _, ok := want[id]; !ok {
			t.Fatalf("event for %s, which the watchlist does not match (match %+v)", id, m.Match)
		}
		if len(m.Match) != 1 || m.Match[0].Value != "192.0.2.0/24" {
			t.Fatalf("event %s: matches %+v", id, m.Match)
		}
		got[id] = m.Match[0].Match + " " + m.Match[0].Observable.Value
	}
	for id, g := range got {
		if g != want[id] {
			t.Errorf("%s matched as %q, want %q", id, g, want[id])
		}
	}

	// The lookup of the network finds the same objects with the same labels.
	a := hubGet(t, p.URL+"/v1/lookup?value="+url.QueryEscape("192.0.2.0/24"), w.tokens["a-read"])
	if a.Status != http.StatusOK {
		t.Fatalf("lookup: %d %s", a.Status, a.Raw)
	}
	var res struct {
		Matches []struct {
			Match      string `json:"match"`
			ID         string `json:"id"`
			Observable struct {
				Value string `json:"value"`
			} `json:"observable"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(a.Raw, &res); err != nil {
		t.Fatal(err)
	}
	looked := map[string]string{}
	for _, m := range res.Matches {
		looked[m.ID] = m.Match + " " + m.Observable.Value
	}
	if len(looked) != len(want) {
		t.Fatalf("lookup found %v, want %v", looked, want)
	}
	for id, g := range looked {
		if g != want[id] {
			t.Errorf("lookup: %s matched as %q, want %q", id, g, want[id])
		}
	}
}

// TestFeedWatchlistBounds: a watchlist beyond 4,096 entries is refused
// with error too_large and close 1008; a replica whose watchlist budget
// is spent refuses the next watching session with close 1013 and accepts
// it again once a session has left; sessions without a watchlist are not
// affected (issue 10 finding 4).
func TestFeedWatchlistBounds(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	w := newIngestWorld(t, dbURL)
	p := startServe(t, dbURL, "--feed-max-watch-entries", "5000")
	list := func(n, net int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("10.%d.%d.%d", net, i/256, i%256)
		}
		return out
	}

	tooMany := watchDial(t, p.URL, w.tokens["a-read"], map[string]any{"observables": list(feeds.MaxFilterValues+1, 1)})
	if m := next(t, tooMany, 10*time.Second); m.Op != "error" || m.Code != "too_large" || !strings.Contains(m.Message, "4096") {
		t.Fatalf("4,097 entries: %+v, want error too_large naming the bound", m)
	}
	if m := next(t, tooMany, 10*time.Second); m.Op != "close" || m.Code != "1008" {
		t.Fatalf("4,097 entries: %+v, want close 1008", m)
	}

	first := watchDial(t, p.URL, w.tokens["a-read"], map[string]any{"observables": list(4000, 2)})
	if m := next(t, first, 10*time.Second); m.Op != "subscribed" {
		t.Fatalf("first watchlist: %+v", m)
	}
	second := watchDial(t, p.URL, w.tokens["a-read"], map[string]any{"observables": list(4000, 3)})
	if m := next(t, second, 10*time.Second); m.Op != "error" || m.Code != "unavailable" || !strings.Contains(m.Message, "watchlist capacity") {
		t.Fatalf("beyond the replica's budget: %+v, want error unavailable", m)
	}
	if m := next(t, second, 10*time.Second); m.Op != "close" || m.Code != "1013" {
		t.Fatalf("beyond the replica's budget: %+v, want close 1013", m)
	}
	plain := watchDial(t, p.URL, w.tokens["a-read"], nil)
	if m := next(t, plain, 10*time.Second); m.Op != "subscribed" {
		t.Fatalf("a session without a watchlist: %+v", m)
	}

	// The budget is returned when the first session leaves.
	_ = first.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		again := watchDial(t, p.URL, w.tokens["a-read"], map[string]any{"observables": list(4000, 4)})
		m := next(t, again, 10*time.Second)
		if m.Op == "subscribed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first session left: %+v", m)
		}
		again.Close()
		time.Sleep(100 * time.Millisecond)
	}

	// Matching still works for the sessions admitted, and the plain
	// session receives everything it may see.
	ind := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[ipv4-addr:value = '10.9.9.9']", ""))
	w.submit(p.URL, e2eOrgA, ind)
	if m := next(t, plain, 15*time.Second); m.Op != "event" {
		t.Fatalf("plain session: %+v", m)
	}
}

// hubCursors is the cursor codec of the hub whose database is db, derived
// as `jag serve` derives it (cursors are sealed; tests open them to check
// positions).
func hubCursors(t testing.TB, db *postgres.DB) *feeds.CursorCodec {
	t.Helper()
	key, err := (&authConfig{}).cursorKey(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	c, err := feeds.NewCursorCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
