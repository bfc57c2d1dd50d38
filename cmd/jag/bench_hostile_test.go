package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// Benchmarks of the hub against hostile clients (issue 10):
//
//	go test -run '^$' -bench 'BenchmarkHostile(SlowClients|LookupWorst)' -benchtime 1x ./cmd/jag
//
// BenchmarkHostileSlowClients measures a normal request (a lookup with a read
// token over a kept-alive connection) while 500 slow clients, 10 from
// each of 50 addresses, each trickle a request body at one byte a second
// and reconnect whenever the hub cuts them: p50/p99 latency, and how many
// slow clients were connected on average. "idle" is the same without
// them.
//
// BenchmarkHostileLookupWorst is the worst lookup answer at the default
// configuration: twelve 1 MB indicators named by the parent domain of
// 10,000 values (the old answer copied each object once per value: 120 GB).
// It reports the first page's size and latency with objects, the whole
// answer with objects=false paged to its end, and the hub's peak RSS.

func BenchmarkHostileSlowClients(b *testing.B) {
	w := newIngestWorld(b, pgtest.URL(b))
	p := startServe(b, w.dbURL, "--log-level", "warn")
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "normal.example"))
	client := &http.Client{Transport: &bearer{token: w.tokens["a-read"], next: &http.Transport{MaxIdleConnsPerHost: 1}}}
	// normal makes normalRequests requests per iteration (so that
	// -benchtime 1x still measures a p99).
	const normalRequests = 300
	normal := func(b *testing.B) []time.Duration {
		lat := make([]time.Duration, 0, b.N*normalRequests)
		for b.Loop() {
			for range normalRequests {
				t0 := time.Now()
				body := benchGet(b, client, p.URL+"/v1/lookup?value=www.normal.example&objects=false")
				lat = append(lat, time.Since(t0))
				if !bytes.Contains(body, []byte(`"count":1`)) {
					b.Fatalf("lookup: %s", body)
				}
			}
		}
		return lat
	}
	b.Run("idle", func(b *testing.B) { reportLatency(b, normal(b)) })
	b.Run("500-slow", func(b *testing.B) {
		var connected, samples, sum atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 500 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i/10))}
				for {
					select {
					case <-stop:
						return
					default:
					}
					c, err := (&net.Dialer{LocalAddr: src, Timeout: 5 * time.Second}).Dial("tcp", p.Addr)
					if err != nil {
						time.Sleep(100 * time.Millisecond)
						continue
					}
					connected.Add(1)
					_, err = fmt.Fprintf(c, "POST /v1/lookup HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n")
					for err == nil {
						select {
						case <-stop:
							err = io.EOF
							continue
						case <-time.After(time.Second):
						}
						_, err = c.Write([]byte("a"))
					}
					connected.Add(-1)
					c.Close()
				}
			}()
		}
		tick := time.NewTicker(100 * time.Millisecond)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					samples.Add(1)
					sum.Add(connected.Load())
				}
			}
		}()
		for deadline := time.Now().Add(30 * time.Second); connected.Load() < 450; {
			if time.Now().After(deadline) {
				b.Fatalf("only %d slow clients connected", connected.Load())
			}
			time.Sleep(50 * time.Millisecond)
		}
		samples.Store(0)
		sum.Store(0)
		lat := normal(b)
		close(stop)
		tick.Stop()
		wg.Wait()
		reportLatency(b, lat)
		if n := samples.Load(); n > 0 {
			b.ReportMetric(float64(sum.Load())/float64(n), "slow-clients")
		}
	})
}

func BenchmarkHostileLookupWorst(b *testing.B) {
	w := newIngestWorld(b, pgtest.URL(b))
	p := startServe(b, w.dbURL, "--log-level", "warn")
	var objs []string
	for range 12 {
		objs = append(objs, w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = 'worst.example']",
			`,"description":"`+strings.Repeat("w", 1000000)+`"`)))
	}
	w.submit(p.URL, e2eOrgA, objs...)
	values := make([]string, 10000)
	for i := range values {
		values[i] = fmt.Sprintf("h%d.worst.example", i)
	}
	client := &http.Client{Transport: &bearer{token: w.tokens["a-read"], next: &http.Transport{}}, Timeout: 10 * time.Minute}
	post := func(b *testing.B, req map[string]any) ([]byte, time.Duration) {
		body, _ := json.Marshal(req)
		t0 := time.Now()
		resp, err := client.Post(p.URL+"/v1/lookup", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("lookup: %d %.200s %v", resp.StatusCode, out, err)
		}
		return out, time.Since(t0)
	}
	var page struct {
		Results []struct {
			Count int `json:"count"`
		} `json:"results"`
		Objects map[string]json.RawMessage `json:"objects"`
		Next    string                     `json:"next"`
	}
	pid := p.cmd.Process.Pid
	b.Run("first-page-with-objects", func(b *testing.B) {
		resetPeakRSS(b, pid)
		var lat []time.Duration
		var size int
		for b.Loop() {
			out, d := post(b, map[string]any{"values": values})
			lat = append(lat, d)
			size = max(size, len(out))
			page.Objects = nil
			if err := json.Unmarshal(out, &page); err != nil || page.Next == "" || len(page.Objects) == 0 {
				b.Fatalf("first page: %v, %d objects", err, len(page.Objects))
			}
		}
		reportLatency(b, lat)
		b.ReportMetric(float64(size)/(1<<20), "answer-MiB")
		_, peak := procMemory(b, pid)
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
	})
	b.Run("all-matches-without-objects", func(b *testing.B) {
		resetPeakRSS(b, pid)
		for b.Loop() {
			matches, pages, largest := 0, 0, 0
			t0 := time.Now()
			for next := ""; ; pages++ {
				req := map[string]any{"values": values, "objects": false}
				if next != "" {
					req["next"] = next
				}
				out, _ := post(b, req)
				largest = max(largest, len(out))
				page.Next = ""
				page.Results = nil
				if err := json.Unmarshal(out, &page); err != nil {
					b.Fatal(err)
				}
				for _, r := range page.Results {
					matches += r.Count
				}
				if next = page.Next; next == "" {
					break
				}
			}
			if matches != 120000 {
				b.Fatalf("%d matches, want 120000", matches)
			}
			b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms-total")
			b.ReportMetric(float64(pages+1), "pages")
			b.ReportMetric(float64(largest)/(1<<20), "largest-page-MiB")
		}
		_, peak := procMemory(b, pid)
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
	})
}

// resetPeakRSS resets the VmHWM of process pid to its current RSS
// (Linux ≥ 4.0, clear_refs 5), so a later procMemory reports the peak of
// what ran in between.
func resetPeakRSS(tb testing.TB, pid int) {
	tb.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		tb.Fatalf("reset peak RSS: %v", err)
	}
}
