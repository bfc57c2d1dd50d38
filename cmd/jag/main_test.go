package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv returns an env whose JAG_* variables are vars only.
func testEnv(vars map[string]string) (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{
		stdin:  strings.NewReader(""),
		stdout: out,
		stderr: errb,
		getenv: func(k string) string { return vars[k] },
	}, out, errb
}

// startMain runs the real Main wiring on port 0 against a fresh test
// database and returns its base URL.
func startMain(t *testing.T, dbURL string, extraArgs ...string) (*Main, string) {
	t.Helper()
	e, _, logs := testEnv(nil)
	m := &Main{env: e}
	fs := m.cfg.register(e, "serve")
	args := append([]string{"--addr", "127.0.0.1:0", "--database-url", dbURL, "--log-level", "debug"}, extraArgs...)
	if err := m.cfg.parse(fs, e, args); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v\nlogs:\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m, "http://" + m.Addr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthReadinessMetrics(t *testing.T) {
	t.Parallel()
	m, base := startMain(t, pgtest.URL(t), "--metrics-addr", "127.0.0.1:0")

	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	code, body := get(t, "http://"+m.metricsLn.Addr().String()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`jag_http_requests_total{code="200",route="GET /readyz"} 1`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// A database whose schema is behind the binary is not ready.
func TestServeNotReadyWhenSchemaBehind(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	m, base := startMain(t, url)
	if _, err := m.db.DB.SQLX().Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"unavailable"`) {
		t.Fatalf("/readyz with stale schema = %d %s", code, body)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	t.Parallel()
	e, _, errb := testEnv(nil)
	if code := run(context.Background(), e, []string{"frobnicate"}); code != 2 {
		t.Fatalf("exit = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Fatalf("stderr = %q", errb.String())
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e, out, _ := testEnv(nil)
	if code := run(context.Background(), e, []string{"version"}); code != 0 {
		t.Fatalf("exit = %d", code)
	}
	if !strings.HasPrefix(out.String(), "jag ") {
		t.Fatalf("version output %q", out.String())
	}
}

func TestServeRejectsBadEnvironment(t *testing.T) {
	t.Parallel()
	e, _, errb := testEnv(map[string]string{"JAG_MAX_BODY_BYTES": "lots"})
	if code := run(context.Background(), e, []string{"serve"}); code != 2 {
		t.Fatalf("exit = %d, want 2", code)
	}
	if !strings.Contains(errb.String(), `JAG_MAX_BODY_BYTES="lots"`) {
		t.Fatalf("stderr = %q", errb.String())
	}
}
