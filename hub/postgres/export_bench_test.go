package postgres_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// discardResponse counts what an export writes.
type discardResponse struct {
	tag   string
	lines int64
	w     lineCounter
}

type lineCounter struct{ n *int64 }

func (c lineCounter) Write(p []byte) (int, error) {
	*c.n += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

func (r *discardResponse) NotModified(tag string, _ time.Time) { r.tag = tag }
func (r *discardResponse) Begin(tag string, _ time.Time) io.Writer {
	r.tag, r.lines = tag, 0
	r.w = lineCounter{&r.lines}
	return r.w
}

// BenchmarkExportStore exports JAG_BENCH_INDICATORS (default 1 000 000)
// indicators in each list format through the export service, the store's
// cursor and the writer, as a member token: time per full export, lines,
// and the peak RSS of the process (the store streams; nothing holds the
// export). NotModified measures a conditional poll answered from the
// position alone.
func BenchmarkExportStore(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("JAG_BENCH_INDICATORS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("JAG_BENCH_INDICATORS=%q", v)
		}
	}
	dsn := pgtest.URL(b)
	pgtest.LoadIndicators(b, dsn, n)
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := hub.NewExportService(db, nil, b.TempDir())
	viewer := hub.Viewer{Org: "identity--c0000000-0000-4000-8000-00000000000c", Tier: "member"}
	for _, f := range []export.Format{export.IP, export.Domain, export.URL, export.SHA256, export.SHA1, export.MD5} {
		b.Run(string(f), func(b *testing.B) {
			var r discardResponse
			for b.Loop() {
				if err := svc.Serve(context.Background(), hub.ExportRequest{Viewer: viewer, Format: f}, &r); err != nil {
					b.Fatal(err)
				}
			}
			if r.lines != int64(n) {
				b.Fatalf("%d lines, want %d", r.lines, n)
			}
			b.ReportMetric(float64(r.lines), "lines")
			b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
		})
	}
	b.Run("not-modified", func(b *testing.B) {
		var r discardResponse
		if err := svc.Serve(context.Background(), hub.ExportRequest{Viewer: viewer, Format: export.IP}, &r); err != nil {
			b.Fatal(err)
		}
		tag := r.tag
		lat := make([]time.Duration, 0, 1024)
		for b.Loop() {
			r.tag = ""
			t0 := time.Now()
			if err := svc.Serve(context.Background(), hub.ExportRequest{Viewer: viewer, Format: export.IP, IfNoneMatch: tag}, &r); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
			if r.tag != tag || r.lines != int64(n) {
				b.Fatalf("not a 304: tag %q", r.tag)
			}
		}
		reportPercentiles(b, lat)
	})
}

// peakRSSMB is the process's peak resident set size in MiB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slicesSort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func slicesSort(d []time.Duration) { slices.Sort(d) }
