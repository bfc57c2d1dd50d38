package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cmdHealthcheck is `jag healthcheck`: one GET of the hub's /readyz (or
// /healthz with --live), exit 0 when it answers 200, 1 otherwise with the
// reason on stderr. It needs no shell or curl, so a distroless image can use
// it as its HEALTHCHECK.
func cmdHealthcheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "healthcheck", "[flags]")
	addr := fs.String("addr", envOr(e, "JAG_ADDR", "127.0.0.1:8080"), "the hub's listen address (env JAG_ADDR); 0.0.0.0 and :: are probed on loopback")
	server := fs.String("server", "", "base URL to probe instead of --addr, e.g. https://jag.example.org")
	live := fs.Bool("live", false, "probe /healthz (the process answers) instead of /readyz (the database answers too)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	guardFlags(fs, clientRules)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *timeout <= 0 {
		return fmt.Errorf("%w: --timeout must be positive, e.g. 5s", errUsage)
	}
	base, err := healthBase(*addr, *server)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	path := "/readyz"
	if *live {
		path = "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", base+path, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: 1, err: fmt.Errorf("%s answered %s: %s", base+path, resp.Status, strings.TrimSpace(string(body)))}
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", base+path, strings.TrimSpace(string(body)))
	return nil
}

// healthBase is the URL to probe: --server, or http:// and --addr with an
// unspecified host replaced by loopback.
func healthBase(addr, server string) (string, error) {
	if server != "" {
		u, err := url.Parse(server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", errors.New("--server must be an http:// or https:// URL")
		}
		return strings.TrimRight(u.String(), "/"), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: expected host:port, e.g. 127.0.0.1:8080", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
