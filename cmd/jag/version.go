package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/jag-hub/jag/migrations"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	goVersion, v := "unknown", version
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v == "dev" {
			// Built without the Makefile: name the commit go build saw.
			var rev, dirty string
			for _, s := range bi.Settings {
				switch {
				case s.Key == "vcs.revision" && len(s.Value) >= 12:
					rev = s.Value[:12]
				case s.Key == "vcs.modified" && s.Value == "true":
					dirty = "-dirty"
				}
			}
			if rev != "" {
				v = "dev-" + rev + dirty
			}
		}
	}
	fmt.Fprintf(e.stdout, "jag %s (schema %d, %s)\n", v, migrations.Latest(), goVersion)
	return nil
}
