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
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(e.stdout, "jag %s (schema %d, %s)\n", version, migrations.Latest(), goVersion)
	return nil
}
