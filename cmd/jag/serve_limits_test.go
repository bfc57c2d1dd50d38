package main

import (
	"errors"
	"testing"
	"time"
)

// Connection and time limits are validated: a value that bounds nothing
// is a usage error naming the flag.
func TestServeLimitFlagsValidated(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--max-conns", "0"},
		{"--max-conns", "10", "--max-conns-per-client", "11"},
		{"--body-grace", "0s"},
		{"--body-min-rate", "0"},
		{"--read-header-timeout", "-1s"},
		{"--ingest-budget-bytes", "1000", "--max-body-bytes", "2000"},
		{"--ingest-wait", "0s"},
		{"--max-response-bytes", "100"},
	} {
		e, _, _ := testEnv(nil)
		var c serveConfig
		fs := c.register(e, "serve")
		if err := c.parse(fs, e, args); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	e, _, _ := testEnv(map[string]string{"JAG_MAX_CONNS_PER_CLIENT": "0"})
	var c serveConfig
	if err := c.parse(c.register(e, "serve"), e, nil); !errors.Is(err, errUsage) {
		t.Errorf("JAG_MAX_CONNS_PER_CLIENT=0: err = %v", err)
	}
	e, _, _ = testEnv(map[string]string{"JAG_BODY_MIN_RATE": "4096", "JAG_INGEST_WAIT": "3s", "JAG_METRICS_ADDR": "127.0.0.1:9999"})
	c = serveConfig{}
	if err := c.parse(c.register(e, "serve"), e, nil); err != nil || c.api.Body.MinRate != 4096 || c.api.Ingest.Wait != 3*time.Second || c.limits.metricsAddr != "127.0.0.1:9999" {
		t.Errorf("environment not applied: %v %+v", err, c.api)
	}
}
