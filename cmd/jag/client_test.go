package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestClient(t *testing.T, vars map[string]string, args ...string) (*client, error) {
	t.Helper()
	e, _, _ := testEnv(vars)
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cf clientFlags
	cf.register(fs, e)
	if err := parseClientFlags(fs, e, args); err != nil {
		return nil, err
	}
	return cf.client()
}

func TestClientFlags(t *testing.T) {
	t.Parallel()
	tokFile := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(tokFile, []byte("  file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		vars       map[string]string
		args       []string
		server     string
		token      string
		usageError bool
	}{
		{"defaults", nil, nil, "http://127.0.0.1:8080", "", false},
		{"environment", map[string]string{"JAG_SERVER": "https://hub.example/", "JAG_TOKEN": "env-token"}, nil, "https://hub.example", "env-token", false},
		{"token file from environment", map[string]string{"JAG_TOKEN_FILE": tokFile}, nil, "http://127.0.0.1:8080", "file-token", false},
		{"flags win", map[string]string{"JAG_SERVER": "https://hub.example"}, []string{"--server", "http://other:9", "--token", "t"}, "http://other:9", "t", false},
		{"ErrBothTokens", map[string]string{"JAG_TOKEN": "a"}, []string{"--token-file", tokFile}, "", "", true},
		{"ErrNotHTTP", nil, []string{"--server", "ftp://hub"}, "", "", true},
		{"ErrBadTimeout", map[string]string{"JAG_CLIENT_TIMEOUT": "soon"}, nil, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newTestClient(t, tc.vars, tc.args...)
			if tc.usageError {
				if !errors.Is(err, errUsage) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.base.String() != tc.server || c.token != tc.token {
				t.Fatalf("server %s token %q", c.base, c.token)
			}
		})
	}
	if _, err := newTestClient(t, map[string]string{"JAG_TOKEN_FILE": filepath.Join(t.TempDir(), "missing")}); err == nil || errors.Is(err, errUsage) {
		t.Fatalf("missing token file: err = %v", err)
	}
}

func TestClientCall(t *testing.T) {
	t.Parallel()
	var gotAuth, gotCT string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotCT = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		switch r.URL.Path {
		case "/v1/ok":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"n": 1, "s": "<x>"}`)
		case "/v1/problem":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"type":"t","title":"Unprocessable Entity","status":422,"code":"invalid_object","detail":"2 problems","errors":[{"object":"indicator--1","pointer":"/objects/0/name","message":"bad"}]}`)
		case "/v1/html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>proxy</html>")
		case "/v1/auth":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"status":401,"code":"unauthorized"}`)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c, err := newTestClient(t, map[string]string{"JAG_SERVER": srv.URL, "JAG_TOKEN": "tok"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		var out struct{ N int }
		status, err := c.call(ctx, request{method: "POST", path: "/v1/ok", body: []byte(`{}`)}, &out)
		if err != nil || status != 200 || out.N != 1 || gotAuth != "Bearer tok" || gotCT != "application/json" {
			t.Fatalf("status %d out %+v auth %q ct %q err %v", status, out, gotAuth, gotCT, err)
		}
		var raw json.RawMessage
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/ok"}, &raw); err != nil || string(raw) != `{"n": 1, "s": "<x>"}` {
			t.Fatalf("raw = %s, %v", raw, err)
		}
	})
	t.Run("ErrProblem", func(t *testing.T) {
		_, err := c.call(ctx, request{method: "GET", path: "/v1/problem"}, nil)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != "invalid_object" || len(ae.Errors) != 1 {
			t.Fatalf("err = %#v", err)
		}
		if want := "hub answered 422 invalid_object: 2 problems\n  indicator--1 /objects/0/name: bad"; err.Error() != want {
			t.Fatalf("message %q, want %q", err.Error(), want)
		}
	})
	t.Run("ErrNotAProblem", func(t *testing.T) {
		_, err := c.call(ctx, request{method: "GET", path: "/v1/html"}, nil)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != 502 || err.Error() != "hub answered 502: Bad Gateway" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrNoToken", func(t *testing.T) {
		anon, err := newTestClient(t, map[string]string{"JAG_SERVER": srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		_, err = anon.call(ctx, request{method: "GET", path: "/v1/auth"}, nil)
		var ae *apiError
		if !errors.Is(err, errNoToken) || !errors.As(err, &ae) || ae.Code != "unauthorized" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		down, err := newTestClient(t, map[string]string{"JAG_SERVER": "http://" + freeAddr(t)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := down.call(ctx, request{method: "GET", path: "/readyz"}, nil); err == nil || !strings.Contains(err.Error(), "is the hub running?") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Many values are looked up in POSTs of at most lookupBatch values, and
// the results come out in the order given.
func TestLookupBatches(t *testing.T) {
	t.Parallel()
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Values []string }
		if r.Method != "POST" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad", 400)
			return
		}
		sizes = append(sizes, len(req.Values))
		res := make([]map[string]any, len(req.Values))
		for i, v := range req.Values {
			res[i] = map[string]any{"value": v, "count": 0}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"results": res})
	}))
	defer srv.Close()
	var in strings.Builder
	for i := range lookupBatch + 5 {
		in.WriteString("v" + strings.Repeat("x", i%3) + ".example\n")
	}
	e, out, errb := testEnv(map[string]string{"JAG_SERVER": srv.URL, "JAG_TOKEN": "t"})
	e.stdin = strings.NewReader(in.String())
	if code := run(context.Background(), e, []string{"lookup"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if len(sizes) != 2 || sizes[0] != lookupBatch || sizes[1] != 5 {
		t.Fatalf("batches %v", sizes)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != lookupBatch+5 || lines[2] != `{"count":0,"value":"vxx.example"}` {
		t.Fatalf("%d lines, third %q", len(lines), lines[2])
	}
}
