package main

import (
	"flag"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	stdlog "log"
)

// applyEnv gives the typed flags of fs their JAG_* environment defaults:
// for each flag name in vars not set on the command line, a non-empty
// variable is parsed exactly like the flag would be, so a bad value is a
// clear usage error naming the variable rather than a silent default.
func applyEnv(fs *flag.FlagSet, e *env, vars map[string]string) error {
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		key := vars[name]
		v := strings.TrimSpace(e.getenv(key))
		if explicit[name] || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("%w: %s=%q: %v", errUsage, key, v, err)
		}
	}
	return nil
}

// newStdLogger routes net/http's internal error log through zerolog.
func newStdLogger(log zerolog.Logger) *stdlog.Logger {
	l := log.With().Str("component", "http").Logger()
	return stdlog.New(l, "", 0)
}

// rule is what one serve flag accepts: its expected format (named in every
// error) and, for numbers and durations, the smallest value.
type rule struct {
	name   string // shown in -h after the flag, e.g. "duration"
	format string
	min    int64 // durations in nanoseconds
	max    int64 // 0: no upper bound
	why    string
}

const durationFormat = "a duration such as 500ms, 30s, 15m or 168h"

var (
	positiveDuration = rule{name: "duration", format: durationFormat, min: 1, why: "must be greater than zero"}
	nonNegDuration   = rule{name: "duration", format: durationFormat, min: 0, why: "must not be negative"}
	atLeastOne       = rule{name: "number", format: "a whole number", min: 1, why: "must be at least 1"}
)

// serveRules are the limits the README promises for `jag serve`'s typed
// flags and their JAG_* variables.
var serveRules = map[string]rule{
	"max-body-bytes":     {name: "bytes", format: "a size in bytes (a whole number)", min: 1, why: "must be at least 1 byte"},
	"request-timeout":    positiveDuration,
	"statement-timeout":  {name: "duration", format: durationFormat, min: 0, why: "must not be negative (0 keeps the server's setting)"},
	"shutdown-timeout":   nonNegDuration,
	"token-leeway":       nonNegDuration,
	"token-max-lifetime": positiveDuration,
	"feed-retention":     positiveDuration,
	"feed-queue-size":    atLeastOne,
	"feed-max-sessions":  atLeastOne,
	"feed-poll-interval": {name: "duration", format: durationFormat, min: int64(10 * time.Millisecond), why: "must be at least 10ms"},
	"public-access":      {format: "true or false"},
	"default-tlp":        {format: "one of clear, green, amber, amber+strict or red"},
	// hostile clients (serve_limits.go; cross-flag rules in its validate)
	"max-conns":            atLeastOne,
	"max-conns-per-client": atLeastOne,
	"read-header-timeout":  positiveDuration,
	"body-grace":           positiveDuration,
	"body-min-rate":        {name: "bytes/s", format: "a rate in bytes per second (a whole number)", min: 1, why: "must be at least 1 byte/s"},
	"ingest-budget-bytes":  {name: "bytes", format: "a size in bytes (a whole number)", min: 1, why: "must be at least 1 byte"},
	"ingest-wait":          positiveDuration,
	"max-response-bytes":   {name: "bytes", format: "a size in bytes (a whole number)", min: 64 << 10, why: "must be at least 65536 bytes"},

	"feed-max-watch-entries": atLeastOne,
	"feed-max-watch-bytes":   {name: "bytes", format: "a size in bytes (a whole number)", min: 1, why: "must be at least 1 byte"},
	"feed-ring-bytes":        {name: "bytes", format: "a size in bytes (a whole number)", min: 1, why: "must be at least 1 byte"},
	"feed-queue-bytes":       {name: "bytes", format: "a size in bytes (a whole number)", min: 1, why: "must be at least 1 byte"},
}

// clientRules are the limits the README promises for the typed flags of
// the client and admin subcommands (and their JAG_* variables): timeouts,
// lifetimes and back-offs positive, counts at least 1, bounded ranges
// within their bounds.
var clientRules = map[string]rule{
	"timeout":            positiveDuration, // JAG_CLIENT_TIMEOUT; healthcheck's too
	"attempts":           atLeastOne,       // submit, JAG_SUBMIT_ATTEMPTS
	"max-backoff":        positiveDuration, // subscribe, JAG_SUBSCRIBE_MAX_BACKOFF
	"ttl":                positiveDuration, // token issue
	"token-leeway":       nonNegDuration,
	"token-max-lifetime": positiveDuration,
	"limit":              {name: "number", format: "a whole number from 1 to 1000", min: 1, max: 1000, why: "must be from 1 to 1000"},
	"min-confidence":     {name: "number", format: "a whole number from 0 to 100, or -1 for no condition", min: -1, max: 100, why: "must be from 0 to 100 (or -1)"},
}

// guardFlags makes every flag of fs named in rules refuse a malformed or
// out-of-range value, from the command line or from its JAG_* variable
// (applyEnv sets flags through the same path), with an error that names
// the expected format.
func guardFlags(fs *flag.FlagSet, rules map[string]rule) {
	fs.VisitAll(func(f *flag.Flag) {
		r, ok := rules[f.Name]
		if !ok {
			return
		}
		g := &guarded{Value: f.Value, rule: r}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = &guardedBool{g}
			return
		}
		f.Value = g
		if r.name != "" && !strings.Contains(f.Usage, "`") {
			// -h names the kind of value (the flag package cannot see
			// through the wrapper): the usage's back-quoted word.
			f.Usage += " (`" + r.name + "`)"
		}
	})
}

// guarded is a flag value checked against its rule.
type guarded struct {
	flag.Value
	rule rule
}

func (g *guarded) String() string {
	if g == nil || g.Value == nil {
		return ""
	}
	return g.Value.String()
}

func (g *guarded) Set(s string) error {
	if err := g.Value.Set(s); err != nil {
		return fmt.Errorf("expected %s", g.rule.format)
	}
	if getter, ok := g.Value.(flag.Getter); ok {
		var n int64
		switch v := getter.Get().(type) {
		case time.Duration:
			n = int64(v)
		case int:
			n = int64(v)
		case int64:
			n = v
		default:
			return nil
		}
		if n < g.rule.min || (g.rule.max != 0 && n > g.rule.max) {
			return fmt.Errorf("%s (expected %s)", g.rule.why, g.rule.format)
		}
	}
	return nil
}

// guardedBool keeps a boolean flag usable without a value (--public-access).
type guardedBool struct{ *guarded }

func (guardedBool) IsBoolFlag() bool { return true }

func (g *guardedBool) String() string {
	if g == nil || g.guarded == nil || g.Value == nil {
		return "false"
	}
	return g.Value.String()
}

// checkServe validates the string settings of `jag serve` that are read
// from the environment directly (so no flag Set sees them), naming where
// a bad value came from and what is expected.
func (c *serveConfig) checkServe(fs *flag.FlagSet) error {
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	source := func(name, env, v string) string {
		if explicit[name] {
			return fmt.Sprintf("--%s %q", name, v)
		}
		return fmt.Sprintf("%s=%q", env, v)
	}
	switch strings.ToLower(c.logLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: %s: expected debug, info, warn or error", errUsage, source("log-level", "JAG_LOG_LEVEL", c.logLevel))
	}
	switch c.logFormat {
	case "json", "console":
	default:
		return fmt.Errorf("%w: %s: expected json or console", errUsage, source("log-format", "JAG_LOG_FORMAT", c.logFormat))
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("%w: %s: expected host:port, e.g. 127.0.0.1:8080 or :8080", errUsage, source("addr", "JAG_ADDR", c.addr))
	}
	return nil
}
