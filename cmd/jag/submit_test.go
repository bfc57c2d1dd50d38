package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub answers POST /v1/bundles from a script of answers, one per
// attempt ("drop" closes the connection without answering).
type fakeHub struct {
	mu      sync.Mutex
	script  []string
	bodies  []string
	headers []http.Header
}

const receiptAnswer = `{"submission":"submission--1","received":"2026-01-01T00:00:00Z","accepted":1,"duplicates":0,"receipt":"a.b.c"}`

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	step := h.script[min(len(h.bodies), len(h.script)-1)]
	h.bodies = append(h.bodies, string(body))
	h.headers = append(h.headers, r.Header.Clone())
	h.mu.Unlock()
	switch step {
	case "drop":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case "503":
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(503)
		io.WriteString(w, `{"status":503,"code":"unavailable"}`)
	case "422":
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(422)
		io.WriteString(w, `{"status":422,"code":"invalid_pattern","errors":[{"object":"indicator--x","pointer":"/objects/0/pattern","message":"bad"}]}`)
	case "200", "201":
		w.Header().Set("Content-Type", "application/json")
		if step == "201" {
			w.WriteHeader(201)
		}
		io.WriteString(w, receiptAnswer+"\n")
	}
}

func TestSubmitRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   []string
		attempts int
		wantErr  string // "" = success
		calls    int
		minWaits []time.Duration
	}{
		{"OK first attempt", []string{"201"}, 8, "", 1, nil},
		{"503 then OK honours Retry-After", []string{"503", "503", "200"}, 8, "", 3, []time.Duration{2 * time.Second, 2 * time.Second}},
		{"network error then OK", []string{"drop", "201"}, 8, "", 2, []time.Duration{submitBackoffBase / 2}},
		{"422 is final", []string{"422", "201"}, 8, "invalid_pattern", 1, nil},
		{"attempts run out", []string{"503"}, 3, "503", 3, []time.Duration{2 * time.Second, 2 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hub := &fakeHub{script: tc.script}
			srv := httptest.NewServer(hub)
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			c := &client{base: base, token: "tok", http: srv.Client()}
			var waits []time.Duration
			opt := submitOptions{attempts: tc.attempts, sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}}
			var log strings.Builder
			answer, err := submitBundle(context.Background(), c, []byte(`{"type":"bundle"}`), opt, &log)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			case tc.wantErr == "" && string(answer) != receiptAnswer+"\n":
				t.Fatalf("answer %q", answer)
			}
			if len(hub.bodies) != tc.calls {
				t.Fatalf("%d attempts, want %d", len(hub.bodies), tc.calls)
			}
			for i, b := range hub.bodies {
				h := hub.headers[i]
				if b != `{"type":"bundle"}` || h.Get("Content-Type") != stixContentType || h.Get("Authorization") != "Bearer tok" {
					t.Fatalf("attempt %d sent %q with %v", i, b, h)
				}
			}
			if len(waits) != len(tc.minWaits) {
				t.Fatalf("waits %v, want %d", waits, len(tc.minWaits))
			}
			for i, w := range waits {
				if w < tc.minWaits[i] || w > submitBackoffMax {
					t.Errorf("wait %d = %s, want in [%s, %s]", i, w, tc.minWaits[i], submitBackoffMax)
				}
			}
		})
	}
}

func TestSubmitCommand(t *testing.T) {
	t.Parallel()
	hub := &fakeHub{script: []string{"201"}}
	srv := httptest.NewServer(hub)
	defer srv.Close()
	dir := t.TempDir()
	bundlePath, tokenPath := filepath.Join(dir, "b.json"), filepath.Join(dir, "token")
	if err := os.WriteFile(bundlePath, []byte(`{"type":"bundle","objects":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokenPath, []byte("secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv(map[string]string{"JAG_SERVER": srv.URL, "JAG_TOKEN_FILE": tokenPath})
	if code := run(context.Background(), e, []string{"submit", bundlePath}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if out.String() != receiptAnswer+"\n" {
		t.Fatalf("stdout %q", out.String())
	}
	if got := hub.headers[0].Get("Authorization"); got != "Bearer secret-token" {
		t.Fatalf("Authorization %q", got)
	}

	// stdin, and a final refusal: exit 1 with the problem on stderr.
	hub.script, hub.bodies, hub.headers = []string{"422"}, nil, nil
	e, out, errb = testEnv(map[string]string{"JAG_TOKEN": "t"})
	e.stdin = strings.NewReader(`{"type":"bundle"}`)
	if code := run(context.Background(), e, []string{"submit", "--server", srv.URL, "-"}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out.String() != "" || !strings.Contains(errb.String(), "invalid_pattern") || !strings.Contains(errb.String(), "/objects/0/pattern") {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}

	for _, args := range [][]string{{"submit"}, {"submit", "a", "b"}, {"submit", "--attempts", "0", "x"}} {
		e, _, _ := testEnv(nil)
		if code := run(context.Background(), e, args); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0", 0},
		{"-1", 0},
		{"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt <= 40; attempt++ {
		step := min(submitBackoffBase<<min(attempt-1, 16), submitBackoffMax)
		for range 20 {
			d := backoff(attempt, 0)
			if d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s]", attempt, d, step/2, step)
			}
		}
	}
	if d := backoff(1, 10*time.Second); d != 10*time.Second {
		t.Errorf("Retry-After 10s gave %s", d)
	}
	if d := backoff(1, time.Hour); d != submitBackoffMax {
		t.Errorf("Retry-After 1h gave %s, want the cap %s", d, submitBackoffMax)
	}
}

func TestSubmitStopsOnCancel(t *testing.T) {
	t.Parallel()
	hub := &fakeHub{script: []string{"503"}}
	srv := httptest.NewServer(hub)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	c := &client{base: base, http: srv.Client()}
	ctx, cancel := context.WithCancel(context.Background())
	opt := submitOptions{attempts: 100, sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d)
	}}
	_, err := submitBundle(ctx, c, []byte(`{}`), opt, io.Discard)
	if !errors.Is(err, context.Canceled) || len(hub.bodies) != 1 {
		t.Fatalf("err = %v after %d attempts", err, len(hub.bodies))
	}
}
