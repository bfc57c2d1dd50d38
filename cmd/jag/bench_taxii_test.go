package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// BenchmarkTAXII measures the TAXII 2.1 read path through the real
// `jag serve` process over a million stored indicators (the data set of
// BenchmarkLookup; JAG_BENCH_INDICATORS overrides the size), as a member
// of another org with HTTP Basic credentials, so every request pays for
// token verification and the visibility rule:
//
//   - page-1000: one iteration pages through the whole default collection
//     with limit=1000 following next; reports objects/s and the p50/p99
//     latency of one page;
//   - poll-empty: 1,000 added_after polls with nothing new (added_after =
//     the last date_added) per iteration; reports p50/p99 per request.
func BenchmarkTAXII(b *testing.B) {
	n := benchIndicators
	if v := os.Getenv("JAG_BENCH_INDICATORS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("JAG_BENCH_INDICATORS=%q", v)
		}
	}
	dbURL := pgtest.URL(b)
	loadBench(b, dbURL, n)
	last := stampBench(b, dbURL)
	p := startServe(b, dbURL, "--log-level", "warn")
	token := newWorld(b, dbURL).token(e2eOrgC, auth.TierMember, auth.ScopeRead)
	client := &http.Client{Transport: &taxiiAuth{authz: taxiiBasic(token), next: &http.Transport{MaxIdleConnsPerHost: 4}}}
	objects := p.URL + "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/"

	b.Run("page-1000", func(b *testing.B) {
		var lat []time.Duration
		total, elapsed := 0, time.Duration(0)
		for b.Loop() {
			next, seen := "", 0
			start := time.Now()
			for {
				u := objects + "?limit=1000"
				if next != "" {
					u += "&next=" + url.QueryEscape(next)
				}
				t0 := time.Now()
				resp, err := client.Get(u)
				if err != nil {
					b.Fatal(err)
				}
				var pg struct {
					More    bool              `json:"more"`
					Next    string            `json:"next"`
					Objects []json.RawMessage `json:"objects"`
				}
				err = json.NewDecoder(resp.Body).Decode(&pg)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
				}
				seen += len(pg.Objects)
				if !pg.More {
					if got := resp.Header.Get("X-TAXII-Date-Added-Last"); got != last {
						b.Fatalf("last page ends at %s, want %s", got, last)
					}
					break
				}
				next = pg.Next
			}
			elapsed += time.Since(start)
			total += seen
			if seen != n {
				b.Fatalf("paged through %d objects, want %d", seen, n)
			}
		}
		b.ReportMetric(float64(total)/elapsed.Seconds(), "objects/s")
		reportLatency(b, lat)
	})
	b.Run("poll-empty", func(b *testing.B) {
		u := objects + "?added_after=" + url.QueryEscape(last)
		var lat []time.Duration
		for b.Loop() {
			for range 1000 {
				t0 := time.Now()
				resp, err := client.Get(u)
				if err != nil {
					b.Fatal(err)
				}
				var pg struct {
					More    bool              `json:"more"`
					Objects []json.RawMessage `json:"objects"`
				}
				err = json.NewDecoder(resp.Body).Decode(&pg)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if err != nil || resp.StatusCode != 200 || pg.More || len(pg.Objects) != 0 {
					b.Fatalf("poll: %d %v %+v", resp.StatusCode, err, pg)
				}
			}
		}
		reportLatency(b, lat)
	})
}

// stampBench gives the bulk-loaded versions their date_added the way
// migration 0060 does for versions stored before it, and returns the
// newest one as X-TAXII-Date-Added-Last renders it.
func stampBench(b *testing.B, dbURL string) string {
	b.Helper()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `
		INSERT INTO object_added (date_added, id, modified)
		SELECT received + row_number() OVER (ORDER BY received, id, modified) * interval '1 microsecond', id, modified FROM objects;
		ANALYZE object_added`); err != nil {
		b.Fatal(err)
	}
	var last time.Time
	if err := db.QueryRowContext(context.Background(), `SELECT max(date_added) FROM object_added`).Scan(&last); err != nil {
		b.Fatal(err)
	}
	return last.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// taxiiAuth adds an Authorization value and the TAXII Accept header to
// every request.
type taxiiAuth struct {
	authz string
	next  http.RoundTripper
}

func (t *taxiiAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", t.authz)
	r.Header.Set("Accept", taxiiMedia)
	return t.next.RoundTrip(r)
}
