package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/cluster"
	"github.com/jag-hub/jag/stix"
)

// Ingest throughput, end to end and bare, on a durable PostgreSQL cluster
// (fsync on, synchronous_commit on: the pgtest cluster runs without fsync
// and would flatter the numbers).
//
//	go test -run '^$' -bench 'Ingest' -benchtime 20x ./cmd/jag
//
// BenchmarkIngestEndToEnd posts signed bundles of benchBundleSize
// Pegasus-shaped indicators to a real `jag serve` from benchClients
// concurrent clients and reports indicators/s; it also runs the bare
// pipeline over the same bundles and reports bare-indicators/s and their
// ratio. No feed session is attached, so the replica's tailer only
// follows the head of the event log. BenchmarkIngestEndToEndSubscribed is
// the same with one websocket subscriber that receives every event (the
// tailer then reads each event back with its object), and checks that
// every event arrived. BenchmarkIngestBarePipeline reports the bare
// pipeline alone: strict decode, signature verification over GOMAXPROCS
// goroutines, and COPY of the rows into an unindexed table, one
// transaction per bundle.

const (
	benchBundleSize = 1000
	benchClients    = 8
	benchWarmup     = 3 // bundles sent before the clock starts
)

// benchCluster starts a durable private cluster for one benchmark.
func benchCluster(b *testing.B) *cluster.Cluster {
	b.Helper()
	dir, err := os.MkdirTemp("", "jagbench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	c, err := cluster.Start(context.Background(), dir, cluster.Options{StopWithParent: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop() })
	if err := c.CreateDatabase(context.Background(), "jag"); err != nil {
		b.Fatal(err)
	}
	return c
}

// pegasusBundles signs n bundles of benchBundleSize distinct indicators
// shaped like the Amnesty Pegasus ones: domain, IPv4 and SHA-256 patterns.
func pegasusBundles(b *testing.B, w *world, n int) [][]byte {
	b.Helper()
	out := make([][]byte, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				objs := make([]string, benchBundleSize)
				for j := range objs {
					k := w.seq.Add(1)
					var pattern string
					switch k % 3 {
					case 0:
						pattern = fmt.Sprintf("[domain-name:value = 'update-%d.weather4free.com']", k)
					case 1:
						pattern = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", k>>16&255, k>>8&255, k&255)
					default:
						sum := sha256.Sum256([]byte(fmt.Sprint(k)))
						pattern = fmt.Sprintf("[file:hashes.'SHA-256' = '%x']", sum)
					}
					raw := w.indicatorJSON(e2eOrgA, pattern, "")
					signed, err := auth.SignObject([]byte(raw), w.keys[e2eOrgA], nil)
					if err != nil {
						panic(err)
					}
					objs[j] = string(signed)
				}
				out[i] = []byte(w.bundle(objs...))
			}
		}()
	}
	wg.Wait()
	return out
}

func BenchmarkIngestEndToEnd(b *testing.B) { ingestEndToEnd(b, false) }

func BenchmarkIngestEndToEndSubscribed(b *testing.B) { ingestEndToEnd(b, true) }

func ingestEndToEnd(b *testing.B, subscribed bool) {
	c := benchCluster(b)
	w := newIngestWorld(b, c.URL("jag"))
	p := startServe(b, w.dbURL, "--log-level", "warn")
	bundles := pegasusBundles(b, w, b.N+benchWarmup)
	bare := newBarePipeline(b, w)
	// Warm up: connection pools, caches, and WAL segments, which a fresh
	// cluster creates (and fsyncs) on first use.
	for _, body := range bundles[:benchWarmup] {
		if a, err := w.tryPost(p.URL, "a", stixContentType, body); err != nil || a.Status != 201 {
			b.Fatalf("warm-up: %v %d %.300s", err, a.Status, a.Raw)
		}
	}
	bundles = bundles[benchWarmup:]
	var sub *benchSubscriber
	if subscribed {
		sub = newBenchSubscriber(b, w.db, p.URL, w.tokens["a"])
	}

	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bundles) {
					return
				}
				a, err := w.tryPost(p.URL, "a", stixContentType, bundles[i])
				if err == nil && a.Status != 201 {
					err = fmt.Errorf("status %d: %.300s", a.Status, a.Raw)
				}
				if err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	e2e := float64(b.N*benchBundleSize) / elapsed.Seconds()
	if sub != nil {
		sub.await(b, int64(b.N*benchBundleSize))
		b.ReportMetric(float64(sub.reconnects.Load()), "reconnects")
	}

	p.Stop() // the bare pipeline gets the machine to itself, like the server had
	bareStart := time.Now()
	for _, body := range bundles {
		bare.ingest(b, body)
	}
	bareRate := float64(b.N*benchBundleSize) / time.Since(bareStart).Seconds()
	b.ReportMetric(e2e, "indicators/s")
	b.ReportMetric(bareRate, "bare-indicators/s")
	b.ReportMetric(e2e/bareRate, "ratio")
}

// benchSubscriber is a feed client that counts the events it receives
// after the head of the log at its start. Like a real client, it
// reconnects with its cursor when closed as a slow consumer (4408):
// bundles of benchBundleSize events arrive in bursts larger than a
// session's queue.
type benchSubscriber struct {
	base, token string
	events      atomic.Int64 // distinct events, in cursor order
	reconnects  atomic.Int64
	received    chan struct{} // a wake-up for await
	done        chan struct{}
	err         error // why the subscriber ended; set before done is closed

	mu   sync.Mutex
	conn *websocket.Conn
	stop bool
}

func newBenchSubscriber(b *testing.B, db *postgres.DB, base, token string) *benchSubscriber {
	b.Helper()
	// From the head of the log, so that the warm-up's events (whose
	// commit the replica may not have followed yet) are not counted.
	head, _, err := db.EventHead(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSubscriber{base: base, token: token, received: make(chan struct{}, 1), done: make(chan struct{})}
	subscribed := make(chan struct{})
	go s.run(head, subscribed)
	select {
	case <-subscribed:
	case <-s.done:
		b.Fatalf("subscribe: %v", s.err)
	case <-time.After(10 * time.Second):
		b.Fatal("subscribe: no answer")
	}
	b.Cleanup(s.close)
	return s
}

// run reads sessions one after the other from cursor until close.
func (s *benchSubscriber) run(cursor int64, subscribed chan struct{}) {
	defer close(s.done)
	var once sync.Once
	buf := make([]byte, 0, 4<<10)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := feedDial(ctx, s.base, s.token, feeds.EncodeCursor(cursor))
		cancel()
		if err != nil {
			s.err = err
			return
		}
		s.mu.Lock()
		s.conn = conn
		stop := s.stop
		s.mu.Unlock()
		if stop {
			_ = conn.Close()
			return
		}
		for err == nil {
			var r io.Reader
			if _, r, err = conn.NextReader(); err == nil {
				buf, err = readInto(buf[:0], r)
			}
			switch {
			case err != nil:
			case bytes.HasPrefix(buf, []byte(`{"op":"subscribed"`)):
				once.Do(func() { close(subscribed) })
			case bytes.HasPrefix(buf, []byte(`{"op":"event"`)):
				var seq int64
				if seq, err = eventSeq(buf); err == nil && seq > cursor {
					cursor = seq
					s.events.Add(1)
					select {
					case s.received <- struct{}{}:
					default:
					}
				}
			}
		}
		_ = conn.Close()
		if !websocket.IsCloseError(err, feeds.CloseSlowConsumer) {
			s.err = err
			return
		}
		s.reconnects.Add(1)
	}
}

// eventSeq returns the log position of an event message's cursor.
func eventSeq(msg []byte) (int64, error) {
	_, rest, ok := bytes.Cut(msg, []byte(`"cursor":"`))
	c, _, ok2 := bytes.Cut(rest, []byte(`"`))
	if !ok || !ok2 {
		return 0, fmt.Errorf("event without cursor: %.200s", msg)
	}
	return feeds.DecodeCursor(string(c))
}

// await fails unless want events arrive, with no pause over 30 s.
func (s *benchSubscriber) await(b *testing.B, want int64) {
	b.Helper()
	for s.events.Load() < want {
		select {
		case <-s.received:
		case <-s.done:
			b.Fatalf("subscriber ended after %d of %d events: %v", s.events.Load(), want, s.err)
		case <-time.After(30 * time.Second):
			b.Fatalf("subscriber stalled at %d of %d events", s.events.Load(), want)
		}
	}
	if got := s.events.Load(); got != want {
		b.Fatalf("subscriber received %d events, want %d", got, want)
	}
}

// close ends the subscriber and waits for it.
func (s *benchSubscriber) close() {
	s.mu.Lock()
	s.stop = true
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.mu.Unlock()
	<-s.done
}

func BenchmarkIngestBarePipeline(b *testing.B) {
	c := benchCluster(b)
	w := newIngestWorld(b, c.URL("jag"))
	bundles := pegasusBundles(b, w, b.N+benchWarmup)
	bare := newBarePipeline(b, w)
	for _, body := range bundles[:benchWarmup] {
		bare.ingest(b, body)
	}
	bundles = bundles[benchWarmup:]
	b.ResetTimer()
	start := time.Now()
	for _, body := range bundles {
		bare.ingest(b, body)
	}
	b.ReportMetric(float64(b.N*benchBundleSize)/time.Since(start).Seconds(), "indicators/s")
}

// barePipeline is the least work ingest could do: decode, verify, COPY.
type barePipeline struct {
	w *world
}

func newBarePipeline(b *testing.B, w *world) *barePipeline {
	b.Helper()
	if _, err := w.db.SQLX().Exec(`CREATE TABLE IF NOT EXISTS bare_objects (
		id text, modified text, raw bytea, sha256 bytea, signature text, kid text)`); err != nil {
		b.Fatal(err)
	}
	return &barePipeline{w: w}
}

func (p *barePipeline) ingest(b *testing.B, body []byte) {
	ctx := context.Background()
	bundle, err := stix.DecodeBundle(body, stix.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := p.w.db.ParticipantKeys(ctx, e2eOrgA)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	verified := make([]auth.Verified, len(bundle.Objects))
	var next atomic.Int64
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bundle.Objects) {
					return
				}
				v, err := auth.VerifyObject(bundle.Objects[i].Raw, keys, now)
				if err != nil {
					bad.Add(1)
				}
				verified[i] = v
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		b.Fatalf("%d signatures failed", bad.Load())
	}
	tx, err := p.w.db.SQLX().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`COPY bare_objects (id, modified, raw, sha256, signature, kid) FROM STDIN`)
	if err != nil {
		b.Fatal(err)
	}
	for i, o := range bundle.Objects {
		v := verified[i]
		if _, err := stmt.Exec(o.ID, o.Modified, o.Raw, v.Digest[:], v.Signature, v.KID); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := stmt.Exec(); err != nil {
		b.Fatal(err)
	}
	if err := stmt.Close(); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
