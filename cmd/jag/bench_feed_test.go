package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// BenchmarkFeedFanout measures the feed against a real `jag serve`
// process: 1,000 subscribers each receive every event while signed
// indicators are submitted at 100/s (100,000 deliveries/s); one iteration
// is one indicator. It reports the latency from the hub's receipt of the
// submission to the subscriber (an upper bound of commit-to-client: it
// includes verification and the commit) at p50 and p99, the subscribers
// dropped, and the server's resident memory (VmRSS and peak VmHWM from
// /proc/<pid>/status).
func BenchmarkFeedFanout(b *testing.B) {
	const rate = 100 // indicators per second
	subscribers := 1000
	if v, err := strconv.Atoi(os.Getenv("JAG_BENCH_SUBSCRIBERS")); err == nil && v > 0 {
		subscribers = v // a smaller run to separate fan-out from ingest latency
	}
	url := pgtest.URL(b)
	w := newIngestWorld(b, url)
	p := startServe(b, url, "--log-level", "warn")

	// Pre-sign every bundle the benchmark may submit.
	bodies := make([][]byte, 0, b.N)
	for i := range b.N {
		bodies = append(bodies, []byte(w.bundle(w.signedIndicator(e2eOrgA, fmt.Sprintf("bench-%d.fanout.example", i)))))
	}

	var (
		received atomic.Int64
		dropped  atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	ready := make(chan struct{}, subscribers)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conns := make([]*websocket.Conn, 0, subscribers)
	for i := range subscribers {
		conn, err := feedDialFrom(ctx, loopbackSource(i), p.URL, w.tokens["a"], "")
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, conn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N)
			buf := make([]byte, 0, 4<<10)
			defer func() {
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			}()
			for {
				_, r, err := conn.NextReader()
				if err == nil {
					buf, err = readInto(buf[:0], r)
				}
				now := time.Now()
				if err != nil {
					if ctx.Err() == nil {
						dropped.Add(1)
					}
					return
				}
				data := buf
				switch {
				case bytes.HasPrefix(data, []byte(`{"op":"subscribed"`)):
					ready <- struct{}{}
				case bytes.HasPrefix(data, []byte(`{"op":"event"`)):
					if at, ok := receivedAt(data); ok {
						local = append(local, now.Sub(at))
					}
					received.Add(1)
				}
			}
		}()
	}
	for range subscribers {
		<-ready
	}

	b.ResetTimer()
	tick := time.NewTicker(time.Second / rate)
	posts := make([]time.Duration, 0, b.N)
	for i := range b.N {
		<-tick.C
		start := time.Now()
		a, err := w.tryPost(p.URL, "a", "application/json", bodies[i])
		posts = append(posts, time.Since(start))
		if err != nil || a.Status != http.StatusCreated {
			b.Fatalf("submit %d: %v %d %s", i, err, a.Status, a.Raw)
		}
	}
	tick.Stop()
	want := int64(b.N) * int64(subscribers)
	deadline := time.Now().Add(60 * time.Second)
	for received.Load() < want && dropped.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	rss, hwm := procMemory(b, p.cmd.Process.Pid)
	cancel()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()

	if got := received.Load(); got != want {
		b.Errorf("deliveries %d, want %d (dropped subscribers: %d)", got, want, dropped.Load())
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	slices.Sort(posts)
	b.ReportMetric(float64(posts[len(posts)/2].Microseconds())/1000, "submit-p50-ms")
	b.ReportMetric(float64(dropped.Load()), "dropped")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MB")
	b.ReportMetric(0, "ns/op") // wall time is paced by the submission rate
}

// readInto appends everything r yields to buf (reused between messages:
// the subscribers must not be the bottleneck they measure).
func readInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// receivedAt extracts the "received" member of an event message without
// decoding the object.
func receivedAt(msg []byte) (time.Time, bool) {
	const key = `"received":"`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return time.Time{}, false
	}
	rest := msg[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return t, err == nil
}

// procMemory returns VmRSS and VmHWM of process pid, in bytes.
func procMemory(tb testing.TB, pid int) (rss, hwm int64) {
	tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}
