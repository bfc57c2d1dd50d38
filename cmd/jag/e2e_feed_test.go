package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of the websocket feed through real `jag serve`
// processes sharing one database.

// delayCommits makes every transaction that appends events sleep up to
// maxMs after drawing its seqs and before COMMIT — inside the real ingest
// path, while the transaction holds the feed append lock. Without the
// lock, such delays would make commits land out of seq order.
func delayCommits(t *testing.T, w *world, maxMs int) {
	t.Helper()
	_, err := w.db.SQLX().Exec(fmt.Sprintf(`
CREATE FUNCTION jag_test_delay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(random() * %d / 1000.0); RETURN NULL; END $$;
CREATE TRIGGER jag_test_delay AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION jag_test_delay();`, maxMs))
	if err != nil {
		t.Fatal(err)
	}
}

// feedDial opens a feed session on base with token and subscribes.
func feedDial(ctx context.Context, base, token, cursor string) (*websocket.Conn, error) {
	return feedDialFrom(ctx, nil, base, token, cursor)
}

// loopbackSource is the source address of the i-th of many benchmark
// sessions: eight from each loopback address, as from many partners,
// since the hub bounds connections per client address.
func loopbackSource(i int) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 2+byte(i/2048), byte(1+i/8%256))}
}

// feedDialFrom is feedDial from the source address src (nil: any).
func feedDialFrom(ctx context.Context, src *net.TCPAddr, base, token, cursor string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/v1/feed"
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 10 * time.Second}
	if src != nil {
		nd := &net.Dialer{LocalAddr: src, Timeout: time.Minute}
		d.NetDialContext, d.HandshakeTimeout = nd.DialContext, time.Minute
	}
	conn, resp, err := d.DialContext(ctx, url, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (%s)", url, err, resp.Status)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	msg := map[string]any{"op": "subscribe"}
	if cursor != "" {
		msg["cursor"] = cursor
	}
	if err := conn.WriteJSON(msg); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// feedMsg is a server message of the feed.
type feedMsg struct {
	Op     string          `json:"op"`
	Cursor string          `json:"cursor"`
	Event  string          `json:"event"`
	Object json.RawMessage `json:"object"`
}

// replicas is the set of running replicas, some restarting.
type replicas struct {
	mu    sync.Mutex
	procs []*serveProc
}

func (r *replicas) pick(not string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		p := r.procs[rand.IntN(len(r.procs))]
		if p.URL != not || len(r.procs) == 1 {
			return p.URL
		}
	}
}

// TestFeedThreeReplicas: writers submit concurrently to three replicas
// while commits are delayed at random inside the ingest transaction;
// subscribers on every replica, disconnecting at random and resuming on a
// different replica with their cursor (and one replica restarting),
// receive every event, in the same order, with no gap and no duplicate.
func TestFeedThreeReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	delayCommits(t, w, 30)
	flags := []string{"--feed-poll-interval", "250ms"}
	rs := &replicas{procs: startReplicas(t, 3, url, flags...)}
	cursors := hubCursors(t, w.db) // every replica seals cursors with the same key

	const (
		subscribers = 6
		writers     = 6
		bundles     = 15 // per writer
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	got := make([][]int64, subscribers)
	reconnects := make([]int, subscribers)
	stopSubs := make(chan struct{})
	var subsWG sync.WaitGroup
	target := make(chan int64, 1) // the final max seq, once writers are done
	for i := range subscribers {
		subsWG.Add(1)
		go func() {
			defer subsWG.Done()
			cursor := feeds.EncodeCursor(0) // from the beginning of the log
			base := rs.procs[i%3].URL
			var final int64 = -1
			for {
				conn, err := feedDial(ctx, base, w.tokens["a"], cursor)
				if err != nil {
					if ctx.Err() != nil {
						t.Errorf("subscriber %d: %v", i, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
					base = rs.pick(base)
					continue
				}
				budget := 5 + rand.IntN(40) // events before a voluntary disconnect
				for {
					_ = conn.SetReadDeadline(time.Now().Add(time.Second))
					var m feedMsg
					err := conn.ReadJSON(&m)
					if final < 0 {
						select {
						case final = <-target:
							target <- final
						default:
						}
					}
					if err != nil {
						var ne interface{ Timeout() bool }
						if errors.As(err, &ne) && ne.Timeout() && final >= 0 && len(got[i]) > 0 && got[i][len(got[i])-1] >= final {
							conn.Close()
							return
						}
						break // dropped or drained: resume elsewhere
					}
					if m.Op != "event" {
						continue
					}
					seq, err := cursors.Decode(m.Cursor)
					if err != nil {
						t.Errorf("subscriber %d: %v", i, err)
						conn.Close()
						return
					}
					got[i] = append(got[i], seq)
					cursor = m.Cursor
					if budget--; budget == 0 {
						break
					}
				}
				conn.Close()
				reconnects[i]++
				base = rs.pick(base)
				select {
				case <-stopSubs:
					return
				default:
				}
			}
		}()
	}

	var writersWG sync.WaitGroup
	for wi := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			org, token := e2eOrgA, "a"
			if wi%2 == 1 {
				org, token = e2eOrgB, "b"
			}
			for j := range bundles {
				var objs []string
				for k := range 1 + (j % 3) {
					objs = append(objs, w.signedIndicator(org, fmt.Sprintf("w%d-b%d-o%d.feed.example", wi, j, k)))
				}
				body := []byte(w.bundle(objs...))
				// A POST on a kept-alive connection to the replica being
				// restarted can be reset; like jag submit, the writer then
				// posts the same bundle again to a replica in service
				// (ingest is idempotent: a replay answers 200).
				var a answer
				var err error
				retried := false
				for attempt := range 5 {
					retried = attempt > 0
					rs.mu.Lock()
					base := rs.procs[(wi+j+attempt)%len(rs.procs)].URL
					rs.mu.Unlock()
					if a, err = w.tryPost(base, token, "application/json", body); err == nil {
						break
					}
				}
				if err != nil || (a.Status != http.StatusCreated && !(retried && a.Status == http.StatusOK)) {
					t.Errorf("writer %d bundle %d: %v %d %s", wi, j, err, a.Status, a.Raw)
					return
				}
			}
		}()
	}
	// Restart one replica while everything runs: its sessions are
	// drained with 1001 and resume elsewhere.
	time.Sleep(time.Second)
	rs.mu.Lock()
	old := rs.procs[2]
	rs.procs = rs.procs[:2]
	rs.mu.Unlock()
	old.Stop()
	fresh := startServe(t, url, flags...)
	rs.mu.Lock()
	rs.procs = append(rs.procs, fresh)
	rs.mu.Unlock()

	writersWG.Wait()
	var committed []int64
	if err := w.db.SQLX().Select(&committed, `SELECT seq FROM events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if len(committed) == 0 {
		t.Fatal("no events committed")
	}
	target <- committed[len(committed)-1]
	done := make(chan struct{})
	go func() { subsWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		close(stopSubs)
		t.Fatal("subscribers did not reach the last event")
	}
	for i := range subscribers {
		if !slices.Equal(got[i], committed) {
			t.Errorf("subscriber %d (%d reconnects) received %d events, committed %d; first difference at %d",
				i, reconnects[i], len(got[i]), len(committed), firstDiff(got[i], committed))
		}
	}
	t.Logf("%d events, %d subscribers, reconnects %v", len(committed), subscribers, reconnects)
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
