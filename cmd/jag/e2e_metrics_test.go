package main

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// /metrics counts authenticated requests under their route pattern (not
// "unmatched"), refused tokens under the route they asked for, and the
// ingest metrics: bundles and objects by outcome, bytes, verification
// time.
func TestMetricsCountAuthenticatedRoutesAndIngest(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	reader := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)

	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "metrics.example"), w.signedIndicator(e2eOrgA, "metrics2.example"))
	if a := w.post(p.URL, "a", stixContentType, []byte("{")); a.Status != 400 {
		t.Fatalf("bad bundle: %d", a.Status)
	}
	for range 3 {
		if a := hubGet(t, p.URL+"/v1/objects", reader); a.Status != 200 {
			t.Fatalf("search: %d %s", a.Status, a.Raw)
		}
	}
	if a := hubGet(t, p.URL+"/v1/lookup?value=metrics.example", reader); a.Status != 200 {
		t.Fatalf("lookup: %d", a.Status)
	}
	if a := hubGet(t, p.URL+"/v1/objects", "forged.token.value"); a.Status != 401 {
		t.Fatalf("forged: %d", a.Status)
	}
	hubDo(t, http.MethodDelete, p.URL+"/v1/objects", reader, "", "")

	m := scrape(t, p.URL, w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin))
	for series, want := range map[string]float64{
		`jag_http_requests_total{code="200",route="GET /v1/objects"}`:  3,
		`jag_http_requests_total{code="200",route="GET /v1/lookup"}`:   1,
		`jag_http_requests_total{code="201",route="POST /v1/bundles"}`: 1,
		`jag_http_requests_total{code="400",route="POST /v1/bundles"}`: 1,
		`jag_http_requests_total{code="401",route="GET /v1/objects"}`:  1,
		`jag_http_requests_total{code="405",route="unmatched"}`:        1,
		`jag_ingest_bundles_total{code="accepted"}`:                    1,
		`jag_ingest_bundles_total{code="invalid_json"}`:                1,
		`jag_ingest_objects_total{result="stored"}`:                    2,
		`jag_ingest_objects_total{result="duplicate"}`:                 0,
		`jag_ingest_bytes_count`:                                       2,
		`jag_ingest_verify_seconds_count`:                              1,
	} {
		got, ok := m[series]
		if !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if m["jag_ingest_bytes_sum"] < 100 {
		t.Errorf("jag_ingest_bytes_sum = %v", m["jag_ingest_bytes_sum"])
	}
	for series := range m {
		if strings.HasPrefix(series, "jag_http_requests_total") && strings.Contains(series, `route="unmatched"`) && !strings.Contains(series, `code="405"`) {
			t.Errorf("request counted as unmatched: %s", series)
		}
	}
}

// scrape reads /metrics into series → value, with token ("" none: a
// --metrics-addr listener).
func scrape(t *testing.T, base, token string) map[string]float64 {
	t.Helper()
	a := hubGet(t, base+"/metrics", token)
	if a.Status != 200 {
		t.Fatalf("/metrics: %d", a.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(a.Raw))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}
