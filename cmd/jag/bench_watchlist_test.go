package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// BenchmarkFeedWatchlists is issue 10 finding 4 against a real `jag serve`
// at its default configuration: 1,000 sessions each watch 4,096 distinct
// entries (2,000 addresses, 48 /28 networks and 2,048 domains, all
// different across sessions: nothing is shared, the index's worst case)
// while one iteration submits a bundle of 100 indicators naming 1,000
// addresses each (100,000 observables; about 16 % of them fall inside
// some watched entry, so each indicator alerts about 150 sessions).
// Meanwhile two probes receive a small indicator every 100 ms: one
// subscriber without a watchlist (a label filter: the unrelated
// subscriber) and one watching the probes' domain. It reports the
// probes' latency from commit (the hub's 201) to client at p50 and p99,
// and from the hub's receipt (which adds ingest queueing behind the big
// bundles on the same two cores), the watch deliveries per bundle, the
// sessions dropped (and when), the hub's resident memory and heap (in
// use, and found live by its last collection) with the watchlists
// registered (before the bundles) and after them, and the hub's garbage
// collections during the bundles.
//
// The sessions are real websocket connections, eight from each of 125
// loopback addresses (the hub bounds connections per client address),
// read by clients that do as little as possible: they look at a
// message's op and discard the rest, so that on the two shared cores the
// benchmark measures the hub rather than its own clients.
func BenchmarkFeedWatchlists(b *testing.B) {
	sessions := 1000
	if v, err := strconv.Atoi(os.Getenv("JAG_BENCH_WATCH_SESSIONS")); err == nil && v > 0 {
		sessions = v
	}
	const (
		entries    = feeds.MaxFilterValues
		indicators = 100
		addrs      = 1000
	)
	url := pgtest.URL(b)
	w := newIngestWorld(b, url)
	metrics := freeAddr(b) // the operator's unauthenticated /metrics
	p := startServe(b, url, "--log-level", "warn", "--metrics-addr", metrics)
	r := rand.New(rand.NewPCG(4, 10))
	randAddr := func() string { return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)) }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	why := map[string]int{} // dropped sessions by close code
	var (
		wg         sync.WaitGroup
		delivered  atomic.Int64
		dropped    atomic.Int64
		conns      []*websocket.Conn
		subscribed = make(chan struct{}, sessions+2)
	)
	// A reader does as little as it can, so that the benchmark measures the
	// hub rather than its own clients on the shared cores: it looks at the
	// first bytes of a message (its op) and discards the rest unread by
	// any decoder, through one reused buffer; only the two probes keep
	// whole messages.
	var dropAt []time.Duration // since the session opened
	read := func(conn *websocket.Conn, opened time.Time, onEvent func(data []byte, at time.Time), whole bool) {
		defer wg.Done()
		var head [len(`{"op":"subscribed"`)]byte
		buf := make([]byte, 0, 16<<10)
		for {
			_, rd, err := conn.NextReader()
			n := 0
			if err == nil {
				if n, err = io.ReadFull(rd, head[:]); err == io.ErrUnexpectedEOF || err == io.EOF {
					err = nil
				}
			}
			msg := head[:n]
			if err == nil && whole {
				buf, err = readInto(append(buf[:0], msg...), rd)
				msg = buf
			} else if err == nil {
				for err == nil { // discard
					_, err = rd.Read(buf[:cap(buf)])
				}
				if err == io.EOF {
					err = nil
				}
			}
			now := time.Now()
			if err != nil {
				if ctx.Err() == nil {
					dropped.Add(1)
					mu.Lock()
					why[closeReason(err)]++
					dropAt = append(dropAt, now.Sub(opened))
					mu.Unlock()
				}
				return
			}
			switch {
			case bytes.HasPrefix(msg, []byte(`{"op":"subscribed"`)):
				subscribed <- struct{}{}
			case bytes.HasPrefix(msg, []byte(`{"op":"event"`)):
				onEvent(msg, now)
			case bytes.HasPrefix(msg, []byte(`{"op":"error"`)):
				b.Errorf("session refused: %s", msg)
			}
		}
	}
	open := func(token string, filter map[string]any, onEvent func([]byte, time.Time), whole bool) {
		// Sessions come from distinct loopback addresses (loopbackSource).
		nd := &net.Dialer{LocalAddr: loopbackSource(len(conns)), Timeout: time.Minute}
		d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: time.Minute, NetDialContext: nd.DialContext}
		opened := time.Now()
		conn, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(p.URL, "http")+"/v1/feed", http.Header{"Authorization": {"Bearer " + token}})
		if err != nil {
			b.Fatal(err)
		}
		if err := conn.WriteJSON(map[string]any{"op": "subscribe", "filter": filter}); err != nil {
			b.Fatal(err)
		}
		conns = append(conns, conn)
		wg.Add(1)
		go read(conn, opened, onEvent, whole)
	}

	reader := w.tokens["a-read"]
	for i := range sessions {
		list := make([]string, 0, entries)
		for range 2000 {
			list = append(list, randAddr())
		}
		for range 48 {
			list = append(list, fmt.Sprintf("10.%d.%d.%d/28", r.IntN(256), r.IntN(256), r.IntN(16)*16))
		}
		for j := len(list); j < entries; j++ {
			list = append(list, fmt.Sprintf("h%d-%x.s%d.watch.example", j, r.Uint32(), i))
		}
		open(reader, map[string]any{"observables": list}, func([]byte, time.Time) { delivered.Add(1) }, false)
	}
	// A probe's latency runs from the hub's answer to its submission (the
	// commit: what follows is the feed's doing) to the client; a delivery
	// may even precede the answer (latency 0). The hub's receipt time,
	// before verification and commit, gives the end-to-end figure.
	acked := map[string]time.Time{}
	type arrival struct {
		probe    string
		at, recv time.Time
	}
	var plainArr, watchArr []arrival
	probe := func(arr *[]arrival) func([]byte, time.Time) {
		return func(data []byte, at time.Time) {
			_, rest, ok := bytes.Cut(data, []byte("http://probe.example/"))
			n, _, ok2 := bytes.Cut(rest, []byte("'"))
			recv, ok3 := receivedAt(data)
			if ok && ok2 && ok3 {
				mu.Lock()
				*arr = append(*arr, arrival{string(n), at, recv})
				mu.Unlock()
			}
		}
	}
	open(reader, map[string]any{"labels": []string{"probe"}}, probe(&plainArr), true)
	open(reader, map[string]any{"observables": []string{"probe.example"}}, probe(&watchArr), true)
	for range sessions + 2 {
		select {
		case <-subscribed:
		case <-time.After(20 * time.Minute):
			b.Fatal("sessions did not subscribe")
		}
	}
	time.Sleep(time.Second) // let the collector settle after 1,000 subscriptions
	rssWatching, _ := procMemory(b, p.cmd.Process.Pid)
	watching := hubHeap(b, "http://"+metrics)

	// Pre-sign the bundles: 100 indicators × 1,000 addresses each.
	bodies := make([][]byte, b.N)
	for i := range b.N {
		objs := make([]string, indicators)
		for k := range objs {
			var pat strings.Builder
			pat.WriteString("[")
			for a := range addrs {
				if a > 0 {
					pat.WriteString(" OR ")
				}
				pat.WriteString("ipv4-addr:value = '" + randAddr() + "'")
			}
			pat.WriteString("]")
			objs[k] = w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, pat.String(), ""))
		}
		bodies[i] = []byte(w.bundle(objs...))
	}
	w.tokens["probe"] = w.token(e2eOrgB, auth.TierMember, auth.ScopeSubmit)
	probeBodies := make(chan []byte, 4096)
	go func() {
		for n := 0; ctx.Err() == nil; n++ {
			ind := w.sign(e2eOrgB, w.indicatorJSON(e2eOrgB, "[domain-name:value = 'probe.example'] AND [url:value = 'http://probe.example/"+strconv.Itoa(n)+"']", `,"labels":["probe"]`))
			select {
			case probeBodies <- []byte(w.bundle(ind)):
			case <-ctx.Done():
				return
			}
		}
	}()
	probesDone := make(chan struct{})
	stopProbes := make(chan struct{})
	go func() {
		defer close(probesDone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopProbes:
				return
			case <-tick.C:
			}
			body := <-probeBodies
			_, rest, _ := bytes.Cut(body, []byte("http://probe.example/"))
			n, _, _ := bytes.Cut(rest, []byte("'"))
			if a, err := w.tryPost(p.URL, "probe", "application/json", body); err != nil || a.Status != http.StatusCreated {
				b.Errorf("probe: %v %d %s", err, a.Status, a.Raw)
				return
			}
			mu.Lock()
			acked[string(n)] = time.Now()
			mu.Unlock()
		}
	}()
	time.Sleep(time.Second) // probes before the load

	b.ResetTimer()
	for i := range b.N {
		a, err := w.tryPost(p.URL, "a", "application/json", bodies[i])
		if err != nil || a.Status != http.StatusCreated {
			b.Fatalf("bundle %d: %v %d %.300s", i, err, a.Status, a.Raw)
		}
		// Wait for the watch deliveries of this bundle to settle.
		last, still := delivered.Load(), 0
		for still < 10 {
			time.Sleep(100 * time.Millisecond)
			if n := delivered.Load(); n != last {
				last, still = n, 0
			} else {
				still++
			}
		}
	}
	b.StopTimer()
	time.Sleep(time.Second) // probes after the load
	close(stopProbes)
	<-probesDone
	time.Sleep(time.Second)
	rss, hwm := procMemory(b, p.cmd.Process.Pid)
	after := hubHeap(b, "http://"+metrics)
	cancel()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()

	lats := func(arr []arrival) (commit, e2e []time.Duration) {
		for _, a := range arr {
			if t, ok := acked[a.probe]; ok {
				commit = append(commit, max(0, a.at.Sub(t)))
				e2e = append(e2e, a.at.Sub(a.recv))
			}
		}
		return commit, e2e
	}
	pct := func(lat []time.Duration, q int) float64 {
		if len(lat) == 0 {
			return 0
		}
		slices.Sort(lat)
		return float64(lat[min(len(lat)-1, len(lat)*q/100)].Microseconds()) / 1000
	}
	plain, plainE2E := lats(plainArr)
	watch, watchE2E := lats(watchArr)
	if len(plain) == 0 || len(watch) == 0 {
		b.Errorf("probes received: %d plain, %d watching (%d sessions dropped, %d watch deliveries)", len(plain), len(watch), dropped.Load(), delivered.Load())
	}
	b.ReportMetric(pct(plain, 50), "probe-p50-ms")
	b.ReportMetric(pct(plain, 99), "probe-p99-ms")
	b.ReportMetric(pct(plainE2E, 99), "probe-received-p99-ms")
	b.ReportMetric(pct(watch, 99), "watch-probe-p99-ms")
	b.ReportMetric(pct(watchE2E, 99), "watch-probe-received-p99-ms")
	b.ReportMetric(float64(delivered.Load())/float64(b.N), "watch-events/bundle")
	b.ReportMetric(float64(dropped.Load()), "dropped")
	if len(why) > 0 {
		slices.Sort(dropAt)
		b.Logf("dropped sessions by close: %v, %.1f–%.1f s after they opened", why, dropAt[0].Seconds(), dropAt[len(dropAt)-1].Seconds())
	}
	b.ReportMetric(after.inuse/(1<<20), "heap-inuse-MB")
	b.ReportMetric(after.live/(1<<20), "heap-live-MB")
	b.ReportMetric(float64(rssWatching)/(1<<20), "rss-watching-MB")
	b.ReportMetric(watching.inuse/(1<<20), "heap-inuse-watching-MB")
	b.ReportMetric(watching.live/(1<<20), "heap-live-watching-MB")
	b.ReportMetric(after.gcs-watching.gcs, "gc-cycles")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MB")
}

// closeReason names how a session's connection ended.
func closeReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return strconv.Itoa(ce.Code)
	}
	return "connection error"
}

// heapStats is the hub's heap as its /metrics tell it.
type heapStats struct {
	inuse float64 // go_memstats_heap_inuse_bytes: live objects and garbage not yet collected
	live  float64 // the heap found live by the last collection: its goal (go_memstats_next_gc_bytes) over 1 + GOGC/100
	gcs   float64 // collections so far (go_gc_duration_seconds_count)
}

// hubHeap reads the hub's heap from the operator's /metrics at base.
func hubHeap(tb testing.TB, base string) heapStats {
	tb.Helper()
	a, err := send(http.MethodGet, base+"/metrics", "", "", nil)
	if err != nil || a.Status != http.StatusOK {
		tb.Fatalf("metrics: %d %v", a.Status, err)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(string(a.Raw), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); ok && err == nil {
			m[name] = f
		}
	}
	for _, k := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "go_gc_gogc_percent", "go_gc_duration_seconds_count"} {
		if _, ok := m[k]; !ok {
			tb.Fatalf("metrics: no %s", k)
		}
	}
	return heapStats{
		inuse: m["go_memstats_heap_inuse_bytes"],
		live:  m["go_memstats_next_gc_bytes"] / (1 + m["go_gc_gogc_percent"]/100),
		gcs:   m["go_gc_duration_seconds_count"],
	}
}
