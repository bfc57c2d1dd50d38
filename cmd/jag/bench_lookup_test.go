package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// benchIndicators is how many synthetic indicators BenchmarkLookup stores
// (JAG_BENCH_INDICATORS overrides it for a quick run).
const benchIndicators = 1_000_000

// benchSet is a loaded synthetic data set: n indicators, each naming one
// observable chosen by i % 10 — six single IPv4 addresses, one IPv4 /24,
// one domain, one SHA-256 and one URL in every ten.
type benchSet struct{ n int }

const benchOrg = "identity--b0000000-0000-4000-8000-00000000000b"

func (s benchSet) ip(i int) string { // i % 10 < 6
	a := 0x0A000000 + i
	return fmt.Sprintf("%d.%d.%d.%d", a>>24&255, a>>16&255, a>>8&255, a&255)
}

func (s benchSet) cidr(i int) string { // i % 10 == 6
	a := 0x0B000000 + (i/10)<<8
	return fmt.Sprintf("%d.%d.%d.0/24", a>>24&255, a>>16&255, a>>8&255)
}

func (s benchSet) domain(i int) string { // i % 10 == 7
	return fmt.Sprintf("h%d.s%d.example-%d.net", i, i%5000, i%97)
}

func (s benchSet) hash(i int) string { // i % 10 == 8
	h := sha256.Sum256([]byte(strconv.Itoa(i)))
	return hex.EncodeToString(h[:])
}

// observable returns indicator i's (kind, value, pattern).
func (s benchSet) observable(i int) (kind, value, pat string) {
	switch r := i % 10; {
	case r < 6:
		v := s.ip(i)
		return "ipv4", v, "[ipv4-addr:value = '" + v + "']"
	case r == 6:
		v := s.cidr(i)
		return "ipv4", v, "[ipv4-addr:value ISSUBSET '" + v + "']"
	case r == 7:
		v := s.domain(i)
		return "domain", v, "[domain-name:value = '" + v + "']"
	case r == 8:
		v := s.hash(i)
		return "sha256", v, "[file:hashes.'SHA-256' = '" + v + "']"
	default:
		v := fmt.Sprintf("https://h%d.example.org/p/%d", i, i)
		return "url", v, "[url:value = '" + v + "']"
	}
}

// pick returns a random i with i % 10 == rem.
func (s benchSet) pick(r *rand.Rand, rem int) int { return r.IntN(s.n/10)*10 + rem }

// loadBench bulk-loads n synthetic indicators (objects and observables)
// with COPY, the way an operator would seed a hub, not through HTTP.
func loadBench(tb testing.TB, dbURL string, n int) benchSet {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	sub := "submission--b0000000-0000-4000-8000-00000000000b"
	for _, q := range []string{
		`INSERT INTO participants (id, name, identity) VALUES ('` + benchOrg + `', 'Bench CERT', '{}')`,
		`INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
		 VALUES ('` + sub + `', '` + benchOrg + `', now(), 'bundle--bench', '\x00', 0, 0, 'none')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	s := benchSet{n: n}
	objs, err := tx.PrepareContext(ctx, `COPY objects (id, modified, modified_at, type, created_at, created_by,
		tlp, labels, valid_from, name, raw, sha256, signature, kid, submission, received) FROM STDIN`)
	if err != nil {
		tb.Fatal(err)
	}
	tlps := []string{"clear", "green", "amber", "amber+strict"} // all visible to the reader's member token
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stamp := at.Format("2006-01-02T15:04:05.000Z")
	labels := pq.Array([]string{"malicious-activity"})
	digest := make([]byte, 32)
	for i := range n {
		id := fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i, i)
		_, _, pat := s.observable(i)
		raw := `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"` + stamp + `","modified":"` + stamp +
			`","created_by_ref":"` + benchOrg + `","name":"synthetic ` + strconv.Itoa(i) + `","pattern":` + strconv.Quote(pat) +
			`,"pattern_type":"stix","valid_from":"` + stamp + `","labels":["malicious-activity"]}`
		if _, err := objs.ExecContext(ctx, id, stamp, at, "indicator", at, benchOrg, tlps[i%len(tlps)], labels, at,
			"synthetic "+strconv.Itoa(i), []byte(raw), digest, "sig", "kid", sub, at.Add(time.Duration(i)*time.Microsecond)); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := objs.ExecContext(ctx); err != nil {
		tb.Fatalf("copy objects: %v", err)
	}
	obs, err := tx.PrepareContext(ctx, `COPY observables (object_id, modified, created_by, kind, value, net, path, op) FROM STDIN`)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i, i)
		kind, value, _ := s.observable(i)
		var net any
		if kind == "ipv4" {
			net = value
		}
		if _, err := obs.ExecContext(ctx, id, stamp, benchOrg, kind, value, net, kind+":value", "="); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := obs.ExecContext(ctx); err != nil {
		tb.Fatalf("copy observables: %v", err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE objects; ANALYZE observables`); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("loaded %d indicators with COPY in %s", n, time.Since(start).Round(time.Millisecond))
	return s
}

// BenchmarkLookup measures GET /v1/lookup through the real `jag serve`
// process with a million stored indicators, as a member token of another
// org: per-request latency p50 and p99 for an exact IP, an IP inside a
// stored CIDR, a domain under a stored one, and a hash; and a POST of
// 1 000 mixed values.
func BenchmarkLookup(b *testing.B) {
	n := benchIndicators
	if v := os.Getenv("JAG_BENCH_INDICATORS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("JAG_BENCH_INDICATORS=%q", v)
		}
	}
	dbURL := pgtest.URL(b)
	s := loadBench(b, dbURL, n)
	p := startServe(b, dbURL, "--log-level", "warn")
	// A read token of a member of another org than the creator's, so every
	// request pays for token verification (signature, revocation list)
	// and the visibility rule.
	token := newWorld(b, dbURL).token(e2eOrgC, auth.TierMember, auth.ScopeRead)
	client := &http.Client{Transport: &bearer{token: token, next: &http.Transport{MaxIdleConnsPerHost: 4}}}

	cases := []struct {
		name  string
		value func(r *rand.Rand) string
		match string
	}{
		{"ip-exact", func(r *rand.Rand) string { return s.ip(s.pick(r, r.IntN(6))) }, "exact"},
		{"ip-in-cidr", func(r *rand.Rand) string {
			return strings.TrimSuffix(s.cidr(s.pick(r, 6)), "0/24") + strconv.Itoa(1+r.IntN(254))
		}, "cidr"},
		{"domain-parent", func(r *rand.Rand) string { return "www." + s.domain(s.pick(r, 7)) }, "parent_domain"},
		{"hash", func(r *rand.Rand) string { return strings.ToUpper(s.hash(s.pick(r, 8))) }, "exact"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				v := tc.value(r)
				t0 := time.Now()
				body := benchGet(b, client, p.URL+"/v1/lookup?value="+url.QueryEscape(v))
				lat = append(lat, time.Since(t0))
				if len(lat) == 1 {
					var res struct {
						Count   int
						Matches []struct{ Match string }
					}
					if err := json.Unmarshal(body, &res); err != nil || res.Count != 1 || res.Matches[0].Match != tc.match {
						b.Fatalf("lookup %s = %s (%v); want one %s match", v, body, err, tc.match)
					}
				}
			}
			reportLatency(b, lat)
		})
	}
	b.Run("batch-1000", func(b *testing.B) {
		r := rand.New(rand.NewPCG(2, 2))
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			values := make([]string, 1000)
			for i := range values {
				values[i] = cases[i%len(cases)].value(r)
			}
			body, _ := json.Marshal(map[string][]string{"values": values})
			t0 := time.Now()
			resp, err := client.Post(p.URL+"/v1/lookup", "application/json", strings.NewReader(string(body)))
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
			if resp.StatusCode != 200 || strings.Count(string(out), `"count":1`) != 1000 {
				b.Fatalf("batch: status %d, %d of 1000 values matched once", resp.StatusCode, strings.Count(string(out), `"count":1`))
			}
		}
		reportLatency(b, lat)
	})
}

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (t *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}

func benchGet(b *testing.B, c *http.Client, u string) []byte {
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %d %s %v", u, resp.StatusCode, body, err)
	}
	return body
}

// reportLatency reports the p50 and p99 of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
