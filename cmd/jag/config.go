package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	stdlog "log"
)

// envBool, envInt64 and envDuration read typed JAG_* defaults; a value
// that does not parse is ignored here and reported by the flag parser when
// passed explicitly.
func envBool(e *env, key string, def bool) bool {
	if v, err := strconv.ParseBool(envOr(e, key, "")); err == nil {
		return v
	}
	return def
}

func envInt64(e *env, key string, def int64) int64 {
	if v, err := strconv.ParseInt(envOr(e, key, ""), 10, 64); err == nil {
		return v
	}
	return def
}

func envDuration(e *env, key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(envOr(e, key, "")); err == nil {
		return v
	}
	return def
}

// envList splits a comma-separated JAG_* value.
func envList(e *env, key string) []string {
	var out []string
	for _, s := range strings.Split(envOr(e, key, ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// newStdLogger routes net/http's internal error log through zerolog.
func newStdLogger(log zerolog.Logger) *stdlog.Logger {
	l := log.With().Str("component", "http").Logger()
	return stdlog.New(l, "", 0)
}
