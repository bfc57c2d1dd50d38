package main

import (
	"context"
	"strings"
	"testing"
)

// Every typed serve setting refuses what the README rules out, from a flag
// or from its JAG_* variable, with exit status 2, an error naming the
// expected format, and nothing started (no database is configured, so
// getting past the configuration would fail differently).
func TestServeConfigRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--max-body-bytes", "-1"}, nil, `invalid value "-1" for flag -max-body-bytes: must be at least 1 byte (expected a size in bytes (a whole number))`},
		{nil, map[string]string{"JAG_MAX_BODY_BYTES": "16MB"}, `JAG_MAX_BODY_BYTES="16MB": expected a size in bytes (a whole number)`},
		{[]string{"--token-max-lifetime", "0s"}, nil, `-token-max-lifetime: must be greater than zero (expected a duration such as 500ms, 30s, 15m or 168h)`},
		{nil, map[string]string{"JAG_TOKEN_MAX_LIFETIME": "0"}, `JAG_TOKEN_MAX_LIFETIME="0": must be greater than zero`},
		{[]string{"--feed-queue-size", "0"}, nil, `-feed-queue-size: must be at least 1 (expected a whole number)`},
		{nil, map[string]string{"JAG_FEED_QUEUE_SIZE": "-5"}, `JAG_FEED_QUEUE_SIZE="-5": must be at least 1`},
		{[]string{"--feed-queue-bytes", "0"}, nil, `invalid value "0" for flag -feed-queue-bytes: must be at least 1 byte (expected a size in bytes (a whole number))`},
		{nil, map[string]string{"JAG_FEED_QUEUE_BYTES": "64MiB"}, `JAG_FEED_QUEUE_BYTES="64MiB": expected a size in bytes (a whole number)`},
		{nil, map[string]string{"JAG_FEED_MAX_SESSIONS": "0"}, `JAG_FEED_MAX_SESSIONS="0": must be at least 1`},
		{[]string{"--feed-retention", "0s"}, nil, `-feed-retention: must be greater than zero`},
		{nil, map[string]string{"JAG_FEED_RETENTION": "7"}, `JAG_FEED_RETENTION="7": expected a duration such as 500ms, 30s, 15m or 168h`},
		{[]string{"--feed-poll-interval", "1ns"}, nil, `-feed-poll-interval: must be at least 10ms`},
		{[]string{"--request-timeout", "0s"}, nil, `-request-timeout: must be greater than zero`},
		{nil, map[string]string{"JAG_STATEMENT_TIMEOUT": "-1s"}, `JAG_STATEMENT_TIMEOUT="-1s": must not be negative (0 keeps the server's setting)`},
		{[]string{"--shutdown-timeout", "-1s"}, nil, `-shutdown-timeout: must not be negative`},
		{nil, map[string]string{"JAG_TOKEN_LEEWAY": "-30s"}, `JAG_TOKEN_LEEWAY="-30s": must not be negative`},
		{nil, map[string]string{"JAG_PUBLIC_ACCESS": "yes"}, `JAG_PUBLIC_ACCESS="yes": expected true or false`},
		{nil, map[string]string{"JAG_DEFAULT_TLP": "purple"}, `JAG_DEFAULT_TLP="purple": expected one of clear, green, amber, amber+strict or red`},
		{nil, map[string]string{"JAG_LOG_LEVEL": "verbose"}, `JAG_LOG_LEVEL="verbose": expected debug, info, warn or error`},
		{[]string{"--log-format", "text"}, nil, `--log-format "text": expected json or console`},
		{nil, map[string]string{"JAG_ADDR": "8080"}, `JAG_ADDR="8080": expected host:port, e.g. 127.0.0.1:8080 or :8080`},
	}
	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		for k, v := range tc.env {
			name += k + "=" + v
		}
		t.Run(name, func(t *testing.T) {
			e, out, errb := testEnv(tc.env)
			// An unreachable database URL: were the configuration accepted,
			// serve would fail connecting, with exit status 1.
			args := append([]string{"serve", "--database-url", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"}, tc.args...)
			code := run(context.Background(), e, args)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errb.String(), tc.want)
			}
			if out.String() != "" {
				t.Fatalf("stdout: %q", out.String())
			}
		})
	}
	// Zero where zero means something is accepted.
	e, _, errb := testEnv(map[string]string{"JAG_STATEMENT_TIMEOUT": "0", "JAG_TOKEN_LEEWAY": "0s", "JAG_PUBLIC_ACCESS": "true"})
	if code := run(context.Background(), e, []string{"serve", "--database-url", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", "--shutdown-timeout", "0s"}); code != 1 {
		t.Fatalf("valid zeros: exit %d (want 1: the database is unreachable)\n%s", code, errb.String())
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		e, out, errb := testEnv(nil)
		if code := run(context.Background(), e, args); code != 0 || !strings.HasPrefix(out.String(), "jag ") || !strings.Contains(out.String(), "schema ") {
			t.Fatalf("%v: exit %d, %q %q", args, code, out.String(), errb.String())
		}
	}
}
