package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// Peak memory of ingest (issue 10, finding 8):
//
//	go test -run '^$' -bench BenchmarkHostileIngestPeakRSS -benchtime 1x ./cmd/jag
//
// Six clients post a distinct bundle of just under the default maximum
// body (16 MiB of small signed indicators, the worst case per byte) at
// the same moment to a `jag serve` at its default configuration; a client
// answered 503 retries after Retry-After, as a client should. Reported:
// the hub's peak RSS (VmHWM) and that peak per byte of the six bodies.

// maxBundleBytes is a bundle just under the default --max-body-bytes.
const maxBundleBytes = 16<<20 - 64<<10

// fullBundle signs the most indicators a bundle may hold (10,000), padded
// with a description to make the bundle about size bytes: the most
// objects per byte at the largest size.
func fullBundle(b *testing.B, w *world, size int) []byte {
	b.Helper()
	const n = 10000
	pad := 0
	objs := make([]string, n)
	for i := range objs {
		k := w.seq.Add(1)
		sum := sha256.Sum256([]byte(strconv.FormatInt(k, 10)))
		raw := w.indicatorJSON(e2eOrgA, fmt.Sprintf("[file:hashes.'SHA-256' = '%x']", sum), "")
		raw = strings.TrimSuffix(raw, "}") + `,"description":"` + strings.Repeat("p", pad) + `"}`
		signed, err := auth.SignObject([]byte(raw), w.keys[e2eOrgA], nil)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 { // size the padding on the first signed object, then sign it again
			pad = (size-200)/n - 1 - len(signed)
			signed, err = auth.SignObject([]byte(strings.Replace(raw, `"description":""`, `"description":"`+strings.Repeat("p", pad)+`"`, 1)), w.keys[e2eOrgA], nil)
			if err != nil {
				b.Fatal(err)
			}
		}
		objs[i] = string(signed)
	}
	return []byte(w.bundle(objs...))
}

func BenchmarkHostileIngestPeakRSS(b *testing.B) {
	const clients = 6
	w := newIngestWorld(b, pgtest.URL(b))
	// Default configuration but for the request timeout: on a loaded
	// machine a 16 MiB bundle may take longer than 30 s, and a retried
	// bundle would only add time, not memory.
	p := startServe(b, w.dbURL, "--log-level", "warn", "--request-timeout", "10m")
	client := &http.Client{Timeout: 15 * time.Minute}
	for b.Loop() {
		b.StopTimer()
		bundles := make([][]byte, clients)
		var wg sync.WaitGroup
		for i := range bundles {
			wg.Add(1)
			go func() { defer wg.Done(); bundles[i] = fullBundle(b, w, maxBundleBytes) }()
		}
		wg.Wait()
		runtime.GC()
		resetPeakRSS(b, p.cmd.Process.Pid)
		base, _ := procMemory(b, p.cmd.Process.Pid)
		b.StartTimer()
		retries := make([]int, clients)
		errs := make([]error, clients)
		for i := range bundles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					req, _ := http.NewRequest(http.MethodPost, p.URL+"/v1/bundles", bytes.NewReader(bundles[i]))
					req.Header.Set("Content-Type", stixContentType)
					req.Header.Set("Authorization", "Bearer "+w.tokens["a"])
					resp, err := client.Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					switch resp.StatusCode {
					case 201:
					case 503:
						retries[i]++
						s, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
						time.Sleep(time.Duration(max(s, 1)) * time.Second)
						continue
					default:
						errs[i] = fmt.Errorf("status %d %.200s", resp.StatusCode, raw)
					}
					return
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		_, peak := procMemory(b, p.cmd.Process.Pid)
		var bodies, objects int
		for _, bd := range bundles {
			bodies += len(bd)
			objects += strings.Count(string(bd), `"type":"indicator"`)
		}
		n := 0
		for _, r := range retries {
			n += r
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
		b.ReportMetric(float64(base)/(1<<20), "rss-before-MiB")
		b.ReportMetric(float64(peak)/float64(bodies), "peak-per-body-byte")
		b.ReportMetric(float64(n), "retries-503")
		if bodies > clients*(16<<20) {
			b.Fatalf("bodies of %d bytes exceed the maximum", bodies)
		}
		b.Logf("%d bundles, %d objects, %d MiB of bodies; peak RSS %d MiB; %d retries after 503", clients, objects, bodies>>20, peak>>20, n)
		b.StartTimer()
	}
}
