package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
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
// ratio. BenchmarkIngestBarePipeline reports the bare pipeline alone:
// strict decode, signature verification over GOMAXPROCS goroutines, and
// COPY of the rows into an unindexed table, one transaction per bundle.

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
func pegasusBundles(b *testing.B, w *ingestWorld, n int) [][]byte {
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

func BenchmarkIngestEndToEnd(b *testing.B) {
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
	w *ingestWorld
}

func newBarePipeline(b *testing.B, w *ingestWorld) *barePipeline {
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
	stmt, err := tx.Prepare(pq.CopyIn("bare_objects", "id", "modified", "raw", "sha256", "signature", "kid"))
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
