package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

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
