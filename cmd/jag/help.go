package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jag-hub/jag/hub"
)

// subcommandSpec is one subcommand of a command group (participant, key,
// token).
type subcommandSpec struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commandGroup is a command made of subcommands, with its help text.
type commandGroup struct {
	name    string
	about   string // what the group is for, one paragraph
	subs    []subcommandSpec
	example string // an example session, one command per line
}

// dispatch runs the subcommand args[0] of g. No subcommand, -h, --help
// or "help" print the group's help (exit 0 when asked for, 2 when the
// subcommand is missing); `help SUB` shows that subcommand's flags.
func (g commandGroup) dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		g.usage(e.stderr)
		return fmt.Errorf("%w: missing subcommand (want %s)", errUsage, g.names())
	}
	switch args[0] {
	case "-h", "-help", "--help":
		g.usage(e.stderr)
		return flag.ErrHelp
	case "help":
		if len(args) > 1 {
			return g.dispatch(ctx, e, []string{args[1], "-h"})
		}
		g.usage(e.stderr)
		return flag.ErrHelp
	}
	for _, s := range g.subs {
		if s.name == args[0] {
			return s.run(ctx, e, args[1:])
		}
	}
	if strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%w: flags come after the subcommand: jag %s SUBCOMMAND [flags] (want %s)", errUsage, g.name, g.names())
	}
	return fmt.Errorf("%w: unknown subcommand %q (want %s; see jag %s -h)", errUsage, args[0], g.names(), g.name)
}

func (g commandGroup) names() string {
	n := make([]string, len(g.subs))
	for i, s := range g.subs {
		n[i] = s.name
	}
	return strings.Join(n, ", ")
}

// usage prints the group's help.
func (g commandGroup) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: jag %s SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", g.name, g.about)
	for _, s := range g.subs {
		fmt.Fprintf(w, "  %-8s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(w, "\nExample:\n%s\n", g.example)
	fmt.Fprintf(w, "\nRun 'jag %s SUBCOMMAND -h' for its flags.\n", g.name)
}

// adminAbout is the paragraph every admin group's help shares.
const adminAbout = `These commands work directly on the hub's database: the embedded cluster
under --data-dir (default ./jag-data, env JAG_DATA_DIR), or --database-url
(env JAG_DATABASE_URL). Run them where the hub runs, as the user it runs as.`

// adminError turns a store error of an admin command into a message for
// people: what already exists or what is missing, never a constraint
// name or a driver's text.
func adminError(err error, conflict, notFound string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hub.ErrConflict) && conflict != "":
		return fmt.Errorf("conflict: %s", conflict)
	case errors.Is(err, hub.ErrNotFound) && notFound != "":
		return errors.New(notFound)
	case errors.Is(err, hub.ErrUnavailable):
		return fmt.Errorf("the database is unavailable (is it running? see --data-dir, --database-url): %s", firstLine(err))
	case errors.Is(err, hub.ErrConflict):
		return errors.New("conflict: it already exists")
	case errors.Is(err, hub.ErrNotFound):
		return errors.New("not found")
	}
	return err
}
