package main

import (
	"context"
	"strings"
	"testing"
)

// The typed flags of the client and admin subcommands, and their JAG_*
// variables, refuse what the README rules out (negative or zero
// timeouts, lifetimes and back-offs, counts below 1, values out of their
// range, malformed values) with exit status 2 and an error naming the
// expected format, before doing anything: every command points at a hub
// or database that does not answer, so a configuration that got through
// would fail with exit status 1 instead.
func TestClientFlagsRefused(t *testing.T) {
	t.Parallel()
	const (
		noHub = "http://127.0.0.1:1"
		noDB  = "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
		dur   = "(expected a duration such as 500ms, 30s, 15m or 168h)"
	)
	org := "identity--0c000000-0000-4000-8000-000000000001"
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"lookup", "--server", noHub, "--timeout", "-1s", "192.0.2.1"}, nil, `invalid value "-1s" for flag -timeout: must be greater than zero ` + dur},
		{[]string{"query", "--server", noHub, "--timeout", "0s"}, nil, `-timeout: must be greater than zero ` + dur},
		{[]string{"lookup", "--server", noHub, "192.0.2.1"}, map[string]string{"JAG_CLIENT_TIMEOUT": "0"}, `JAG_CLIENT_TIMEOUT="0": must be greater than zero ` + dur},
		{[]string{"provenance", "--server", noHub, "indicator--0c000000-0000-4000-8000-000000000001"}, map[string]string{"JAG_CLIENT_TIMEOUT": "-5m"}, `JAG_CLIENT_TIMEOUT="-5m": must be greater than zero`},
		{[]string{"verify", "--server", noHub, "--jwks", noHub + "/jwks", "missing.json"}, map[string]string{"JAG_CLIENT_TIMEOUT": "soon"}, `JAG_CLIENT_TIMEOUT="soon": expected a duration such as 500ms, 30s, 15m or 168h`},
		{[]string{"subscribe", "--server", noHub}, map[string]string{"JAG_CLIENT_TIMEOUT": "0s"}, `JAG_CLIENT_TIMEOUT="0s": must be greater than zero`},
		{[]string{"submit", "--server", noHub, "--timeout", "0", "missing.json"}, nil, `-timeout: must be greater than zero`},
		{[]string{"submit", "--server", noHub, "--attempts", "0", "missing.json"}, nil, `invalid value "0" for flag -attempts: must be at least 1 (expected a whole number)`},
		{[]string{"submit", "--server", noHub, "missing.json"}, map[string]string{"JAG_SUBMIT_ATTEMPTS": "-3"}, `JAG_SUBMIT_ATTEMPTS="-3": must be at least 1 (expected a whole number)`},
		{[]string{"submit", "--server", noHub, "missing.json"}, map[string]string{"JAG_SUBMIT_ATTEMPTS": "many"}, `JAG_SUBMIT_ATTEMPTS="many": expected a whole number`},
		{[]string{"subscribe", "--server", noHub, "--max-backoff", "0s"}, nil, `-max-backoff: must be greater than zero ` + dur},
		{[]string{"subscribe", "--server", noHub}, map[string]string{"JAG_SUBSCRIBE_MAX_BACKOFF": "-1s"}, `JAG_SUBSCRIBE_MAX_BACKOFF="-1s": must be greater than zero`},
		{[]string{"subscribe", "--server", noHub, "--min-confidence", "101"}, nil, `-min-confidence: must be from 0 to 100 (or -1) (expected a whole number from 0 to 100, or -1 for no condition)`},
		{[]string{"subscribe", "--server", noHub, "--min-confidence", "-2"}, nil, `-min-confidence: must be from 0 to 100 (or -1)`},
		{[]string{"query", "--server", noHub, "--limit", "0"}, nil, `invalid value "0" for flag -limit: must be from 1 to 1000 (expected a whole number from 1 to 1000)`},
		{[]string{"query", "--server", noHub, "--limit", "1001"}, nil, `-limit: must be from 1 to 1000`},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org, "--ttl", "0s"}, nil, `invalid value "0s" for flag -ttl: must be greater than zero ` + dur},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org, "--ttl", "-8h"}, nil, `-ttl: must be greater than zero`},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org, "--ttl", "8"}, nil, `-ttl: expected a duration such as 500ms, 30s, 15m or 168h`},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org}, map[string]string{"JAG_TOKEN_MAX_LIFETIME": "0"}, `JAG_TOKEN_MAX_LIFETIME="0": must be greater than zero`},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org, "--token-leeway", "-1s"}, nil, `-token-leeway: must not be negative`},
		{[]string{"token", "revoke", "--database-url", noDB, "--jti", "x", "--token-max-lifetime", "-1h"}, nil, `-token-max-lifetime: must be greater than zero`},
		{[]string{"healthcheck", "--addr", "127.0.0.1:1", "--timeout", "0s"}, nil, `-timeout: must be greater than zero ` + dur},
	}
	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		for k, v := range tc.env {
			name += " " + k + "=" + v
		}
		t.Run(name, func(t *testing.T) {
			e, out, errb := testEnv(tc.env)
			code := run(context.Background(), e, tc.args)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errb.String(), tc.want)
			}
			if out.String() != "" {
				t.Fatalf("stdout: %q", out.String())
			}
		})
	}

	// Values within the rules get through the configuration: the commands
	// then fail on the hub or database that does not answer (exit 1).
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"lookup", "--server", noHub, "--timeout", "2s", "192.0.2.1"}, map[string]string{"JAG_TOKEN": "t"}},
		{[]string{"lookup", "--server", noHub, "192.0.2.1"}, map[string]string{"JAG_CLIENT_TIMEOUT": "2s", "JAG_TOKEN": "t"}},
		{[]string{"query", "--server", noHub, "--limit", "1000"}, map[string]string{"JAG_TOKEN": "t"}},
		{[]string{"submit", "--server", noHub, "--attempts", "1", "missing.json"}, map[string]string{"JAG_SUBMIT_ATTEMPTS": "2"}},
		{[]string{"subscribe", "--server", noHub, "--min-confidence", "0", "--max-backoff", "1s"}, map[string]string{"JAG_SUBSCRIBE_MAX_BACKOFF": "5s"}},
		{[]string{"subscribe", "--server", noHub, "--min-confidence", "-1"}, nil},
		{[]string{"token", "issue", "--database-url", noDB, "--org", org, "--ttl", "8h", "--token-leeway", "0s"}, nil},
		{[]string{"healthcheck", "--addr", "127.0.0.1:1", "--timeout", "1s"}, nil},
	} {
		t.Run("accepted "+strings.Join(tc.args, " "), func(t *testing.T) {
			e, _, errb := testEnv(tc.env)
			if code := run(context.Background(), e, tc.args); code != 1 {
				t.Fatalf("exit %d, want 1 (configuration accepted, then no hub or database):\n%s", code, errb.String())
			}
		})
	}
}
