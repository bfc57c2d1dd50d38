package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// BenchmarkExport measures GET /v1/exports/{format} through the real
// `jag serve` with JAG_BENCH_INDICATORS (default 1 000 000) indicators,
// each naming an address, a domain, a URL and three digests, as a member
// token of another org sending HTTP Basic credentials: per list format the
// time of a full export and the serve process's peak RSS (VmHWM) after it;
// and a conditional poll answered 304, p50 and p99 over 1 000 polls per
// iteration.
func BenchmarkExport(b *testing.B) {
	n := benchIndicators
	if v := os.Getenv("JAG_BENCH_INDICATORS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("JAG_BENCH_INDICATORS=%q", v)
		}
	}
	dbURL := pgtest.URL(b)
	w := newWorld(b, dbURL, e2eOrgC)
	pgtest.LoadIndicators(b, dbURL, n)
	p := startServe(b, dbURL, "--log-level", "warn")
	authz := basicAuth(w.token(e2eOrgC, auth.TierMember, auth.ScopeRead))
	// A full export of a million indicators takes longer than the e2e
	// client's timeout on a busy machine; the hub bounds it at 15 minutes.
	client := &http.Client{Timeout: 20 * time.Minute}
	// One read buffer for every request: the client's own garbage
	// collection must not show in the latencies it measures.
	buf := make([]byte, 64<<10)
	do := func(b *testing.B, method, format, inm string) (int, string, int64) {
		req, _ := http.NewRequest(method, p.URL+"/v1/exports/"+format, nil)
		req.Header.Set("Authorization", authz)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var lines int64
		for {
			k, err := resp.Body.Read(buf)
			lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		return resp.StatusCode, resp.Header.Get("ETag"), lines
	}
	for _, f := range []string{"ip", "domain", "url", "sha256", "sha1", "md5"} {
		b.Run(f, func(b *testing.B) {
			var lines int64
			for b.Loop() {
				var status int
				status, _, lines = do(b, http.MethodGet, f, "")
				if status != 200 {
					b.Fatalf("status %d", status)
				}
			}
			if lines != int64(n) {
				b.Fatalf("%d lines, want %d", lines, n)
			}
			b.ReportMetric(float64(lines), "lines")
			b.ReportMetric(float64(vmHWM(b, p.cmd.Process.Pid))/1024, "serve-peak-RSS-MB")
		})
	}
	b.Run("not-modified", func(b *testing.B) {
		// HEAD has the ETag a full GET would carry without its million
		// lines (which run alone needs minutes on a busy machine).
		status, tag, _ := do(b, http.MethodHead, "ip", "")
		if status != http.StatusOK || tag == "" {
			b.Fatalf("HEAD: status %d, ETag %q", status, tag)
		}
		lat := make([]time.Duration, 0, 4096)
		for b.Loop() {
			for range 1000 { // percentiles need many samples even at -benchtime 1x
				t0 := time.Now()
				status, _, _ := do(b, http.MethodGet, "ip", tag)
				lat = append(lat, time.Since(t0))
				if status != http.StatusNotModified {
					b.Fatalf("status %d", status)
				}
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
}

// vmHWM is a process's peak resident set size in KiB.
func vmHWM(b *testing.B, pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
