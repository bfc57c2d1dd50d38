package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of the HTTP surface against hostile clients (issue 10,
// findings 2, 9 and 12): slow bodies, too many connections, metrics, and
// tokens in paths.

// dialFrom opens a TCP connection to addr from the loopback address src
// (all of 127.0.0.0/8 is loopback on Linux: each src is another client).
func dialFrom(t testing.TB, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// trickle sends the head of a request whose body is announced as length
// bytes, then one body byte every interval until a write fails. It
// returns how long the hub kept the connection open (an error if it still
// held it after 30 s).
func trickle(c net.Conn, head string, length int, interval time.Duration) (time.Duration, error) {
	start := time.Now()
	if _, err := fmt.Fprintf(c, "%sContent-Length: %d\r\n\r\n", head, length); err != nil {
		return 0, err
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err := io.Copy(io.Discard, c) // until the hub closes
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return time.Since(start), fmt.Errorf("the hub still holds a body trickling in")
	}
	return time.Since(start), nil
}

// A body that trickles in (one byte every 300 ms) is cut within the body
// grace (default 10 s) on every route: the unknown one, a public one that
// does not read bodies, and authenticated routes that do, ingest
// included. The hub's goroutines return to their baseline.
func TestSlowBodiesAreCut(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	read := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)
	admin := w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin)
	baseline := scrape(t, p.URL, admin)["go_goroutines"]
	routes := map[string]string{
		"unknown path":     "POST /nope HTTP/1.1\r\nHost: hub\r\n",
		"healthz":          "POST /healthz HTTP/1.1\r\nHost: hub\r\n",
		"anonymous ingest": "POST /v1/bundles HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n",
		"ingest":           "POST /v1/bundles HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nAuthorization: Bearer " + w.tokens["a"] + "\r\n",
		"lookup":           "POST /v1/lookup HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nAuthorization: Bearer " + read + "\r\n",
	}
	// Twenty such clients per route at once (goroutines: t.Parallel would
	// run only GOMAXPROCS of them at a time).
	type result struct {
		route string
		held  time.Duration
		err   error
	}
	results := make(chan result, 20*len(routes))
	for name, head := range routes {
		for range 20 {
			c := dialFrom(t, "127.0.0.1", p.Addr)
			go func() {
				// under net/http's 256 KiB post-handler discard, which would
				// otherwise wait for the whole body
				held, err := trickle(c, head, 200<<10, 300*time.Millisecond)
				results <- result{name, held, err}
			}()
		}
	}
	for range 20 * len(routes) {
		r := <-results
		if r.err != nil || r.held > 15*time.Second {
			t.Fatalf("%s: held %s (%v); the grace is 10 s", r.route, r.held, r.err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for g := scrape(t, p.URL, admin)["go_goroutines"]; g > baseline+5; g = scrape(t, p.URL, admin)["go_goroutines"] {
		if time.Now().After(deadline) {
			t.Fatalf("%v goroutines after the slow clients, %v before", g, baseline)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A body sent at a steady rate above the minimum is read whole, however
// long it takes beyond the grace.
func TestSteadyBodyOutlivesGrace(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL, "--body-grace", "1s", "--body-min-rate", "1024")
	bundle := w.bundle(w.signedIndicator(e2eOrgA, "steady.example"))
	c := dialFrom(t, "127.0.0.1", p.Addr)
	fmt.Fprintf(c, "POST /v1/bundles HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", w.tokens["a"], len(bundle))
	for i := 0; i < len(bundle); i += 512 { // 2 KiB/s, above the 1 KiB/s minimum: about 3 s for this bundle
		if _, err := c.Write([]byte(bundle[i:min(i+512, len(bundle))])); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("steady upload: %v %v", resp, err)
	}
}

// rawGet sends GET path on c and returns the answer.
func rawGet(t *testing.T, c net.Conn, path string) (*http.Response, string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: hub\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Connections are bounded per client address and in total: beyond either
// limit a connection is answered 503 (problem+json, Retry-After) and
// closed, other clients are served, and once the connections close the
// hub accepts again. Hijacked websocket feeds count, and keep no HTTP
// deadline: they outlive the header, body and answer timeouts.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL, "--max-conns", "25", "--max-conns-per-client", "10",
		"--read-header-timeout", "1s", "--body-grace", "1s", "--request-timeout", "1s")

	refused := func(t *testing.T, src string) {
		t.Helper()
		resp, body := rawGet(t, dialFrom(t, src, p.Addr), "/healthz")
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(body, `"code":"unavailable"`) {
			t.Fatalf("from %s beyond the limit: %d %v %s", src, resp.StatusCode, resp.Header, body)
		}
	}
	served := func(t *testing.T, src string) bool {
		t.Helper()
		resp, _ := rawGet(t, dialFrom(t, src, p.Addr), "/healthz")
		return resp.StatusCode == 200
	}
	// Idle connections that never send a request hold their slot only
	// until the header timeout; refill them for the checks.
	var held []net.Conn
	hold := func(src string, n int) {
		for range n {
			c := dialFrom(t, src, p.Addr)
			_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\n")) // headers never end
			held = append(held, c)
		}
	}
	hold("127.0.0.2", 10)
	refused(t, "127.0.0.2")
	if !served(t, "127.0.0.3") {
		t.Fatal("another client is refused")
	}
	hold("127.0.0.3", 10)
	hold("127.0.0.4", 5)
	refused(t, "127.0.0.5") // total 25 reached
	for _, c := range held {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for !served(t, "127.0.0.2") || !served(t, "127.0.0.5") {
		if time.Now().After(deadline) {
			t.Fatal("connections are not released after they close")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Feeds: they count towards the per-client limit, and live on.
	token := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)
	dialer := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 5 * time.Second,
		NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.6")}}).DialContext}
	url := "ws" + strings.TrimPrefix(p.URL, "http") + "/v1/feed"
	var conns []*websocket.Conn
	for range 10 {
		conn, _, err := dialer.Dial(url, http.Header{"Authorization": {"Bearer " + token}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.WriteJSON(map[string]any{"op": "subscribe"}); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	if _, resp, err := dialer.Dial(url, http.Header{"Authorization": {"Bearer " + token}}); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("an 11th feed from one client: %v %v", resp, err)
	}
	time.Sleep(3 * time.Second) // beyond every HTTP timeout configured (1 s, answers 2 s)
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "after-timeouts.example"))
	for i, conn := range conns {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var m feedMsg
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("feed %d after 3 s: %v", i, err)
			}
			if m.Op == "event" {
				break
			}
		}
	}
	conns[0].Close()
	deadline = time.Now().Add(5 * time.Second)
	for {
		c, _, err := dialer.Dial(url, http.Header{"Authorization": {"Bearer " + token}})
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed feed's slot is not released: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// /metrics is not anonymous: on the API it needs an admin token; the
// operator may serve it on a listener of its own (--metrics-addr). The
// anonymous health answers say nothing but their status.
func TestMetricsNotAnonymous(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	metricsAddr := freeAddr(t)
	p := startServe(t, w.dbURL, "--metrics-addr", metricsAddr)
	w.submit(p.URL, e2eOrgA, w.signedIndicator(e2eOrgA, "counted.example"))

	if a := hubGet(t, p.URL+"/metrics", ""); a.Status != 401 || strings.Contains(string(a.Raw), "jag_") {
		t.Fatalf("anonymous /metrics: %d %.200s", a.Status, a.Raw)
	}
	if a := hubGet(t, p.URL+"/metrics", w.token(e2eOrgA, auth.TierMember, auth.ScopeRead, auth.ScopeSubmit)); a.Status != 403 || strings.Contains(string(a.Raw), "jag_") {
		t.Fatalf("/metrics with a read+submit token: %d", a.Status)
	}
	if m := scrape(t, p.URL, w.token(e2eOrgA, auth.TierMember, auth.ScopeAdmin)); m[`jag_ingest_bundles_total{code="accepted"}`] != 1 {
		t.Fatalf("admin /metrics lacks the ingest counter")
	}
	if m := scrape(t, "http://"+metricsAddr, ""); m[`jag_ingest_bundles_total{code="accepted"}`] != 1 {
		t.Fatalf("metrics listener lacks the ingest counter")
	}
	if a := hubGet(t, "http://"+metricsAddr+"/v1/objects", ""); a.Status != 404 || a.code() != "not_found" {
		t.Fatalf("the metrics listener serves more than /metrics: %d", a.Status)
	}
	for path, want := range map[string]string{"/healthz": `{"status":"ok"}` + "\n", "/readyz": `{"status":"ready"}` + "\n"} {
		if a := hubGet(t, p.URL+path, ""); a.Status != 200 || string(a.Raw) != want {
			t.Fatalf("%s = %d %q, want exactly %q", path, a.Status, a.Raw, want)
		}
	}
}

// No token reaches the access log, wherever the client puts it: a path
// parameter, a path segment, the query string or a header.
func TestAccessLogNeverHoldsTokens(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	token := w.token(e2eOrgA, auth.TierMember, auth.ScopeRead)
	sig := token[strings.LastIndexByte(token, '.')+1:]
	paths := []string{
		"/v1/objects;access_token=" + token,
		"/v1/objects;ACCESS_TOKEN=" + token + ";x=1",
		"/v1/objects/" + token,
		"/v1/lookup/bearer:" + token,
		"/v1/objects?access_token=" + token,
		"/v1/participants/" + token + "/jwks",
		"/nope/" + strings.ReplaceAll(token, ".", "%2E"),
	}
	for _, path := range paths {
		req, _ := http.NewRequest(http.MethodGet, p.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-Authorization", token)
		resp, err := e2eClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The access lines are written after the answers; wait for all.
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(p.Logs(), `"message":"request"`) < len(paths)+1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	logs := p.Logs()
	if n := strings.Count(logs, `"message":"request"`); n < len(paths) {
		t.Fatalf("%d access lines, want at least %d:\n%s", n, len(paths), logs)
	}
	for _, secret := range []string{token, sig, sig[:16], token[:strings.IndexByte(token, '.')]} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the log holds (part of) a token %q:\n%s", secret[:8], logs)
		}
	}
	if !strings.Contains(logs, `access_token=[redacted]`) {
		t.Fatalf("the redacted path is not logged:\n%s", logs)
	}
}
