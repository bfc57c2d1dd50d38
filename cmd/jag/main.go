// Command jag is the JAG hub and its client: one binary whose subcommands
// run the server (serve, migrate), administer it directly on its database
// (participant, key, token), and act as a complete client (keygen, sign,
// verify, validate, submit, query, lookup, subscribe).
//
// Configuration comes from flags whose defaults are read from JAG_*
// environment variables; nothing below cmd reads the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// env is the process environment a subcommand runs in; tests substitute it.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	tty    bool // stdout is a terminal: human output by default (output.go)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// exitError carries a specific exit status (e.g. validate's 1 for "invalid").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"serve", "run the hub (embedded PostgreSQL unless a database URL is given)", cmdServe},
		{"migrate", "apply database migrations and exit", cmdMigrate},
		{"version", "print the version (also jag --version)", cmdVersion},
		{"healthcheck", "probe a hub's /readyz (exit 0 ready, 1 not): a container HEALTHCHECK without curl", cmdHealthcheck},
		{"validate", "validate a STIX 2.1 bundle offline (exit 0 valid, 1 invalid)", cmdValidate},
		{"submit", "submit a signed bundle: a summary, or the hub's receipt in a pipe (retries safely on network errors and 503)", cmdSubmit},
		{"query", "fetch an object by id, or search the history (--all follows every page)", cmdQuery},
		{"lookup", "which indicators name these IPs, CIDRs, domains, URLs, e-mail addresses or hashes", cmdLookup},
		{"demo", "a guided first run: two participants, the Pegasus indicators signed and shared, a few lookups", cmdDemo},
		{"keygen", "generate a signing key: private JWK to a 0600 file, public JWK on stdout", cmdKeygen},
		{"sign", "sign every object of a bundle (or one object) with a private JWK; signed bundle on stdout", cmdSign},
		{"verify", "verify the signed objects of a bundle offline against a JWKS (exit 0 all valid, 1 otherwise)", cmdVerify},
		{"participant", "participant add|list (organisations), directly on the database", cmdParticipant},
		{"key", "key add|list|revoke (participant public keys), directly on the database", cmdKey},
		{"token", "token issue|revoke (access tokens), directly on the database", cmdToken},
		{"collection", "collection add|list|remove (TAXII collections), directly on the database", cmdCollection},
		{"provenance", "where a stored object came from (signer, key, receipt), re-verified here", cmdProvenance},
		{"subscribe", "follow the live alert feed: cursor persisted, reconnects and resumes, says what it is doing", cmdSubscribe},
		{"export", "flat exports (ip, domain, url, hashes, rpz, suricata, csv, stix) to stdout or a file; add|list|remove named exports", cmdExport},
		{"log", "log verify|prove|key: check the hub's transparency log (signature, consistency, inclusion) against a saved checkpoint; key list|rotate|retire on the database", cmdLog},
		{"witness", "co-sign the hub's log checkpoint after checking it extends the last one this witness signed; keygen makes a witness key", cmdWitness},
	}
}

func main() {
	// SIGHUP (the terminal closed) shuts down like Ctrl-C: the embedded
	// PostgreSQL is stopped with the hub, never left behind.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, tty: isTerminal(os.Stdout)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run dispatches to a subcommand and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ee):
			if ee.err != nil {
				fmt.Fprintf(e.stderr, "jag %s: %v\n", c.name, ee.err)
			}
			return ee.code
		case errors.Is(err, errUsage):
			fmt.Fprintf(e.stderr, "jag %s: %s\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
			fmt.Fprintf(e.stderr, "Run `jag %s -h` for its flags.\n", c.name)
			return 2
		default:
			fmt.Fprintf(e.stderr, "jag %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "jag: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: jag <command> [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'jag <command> -h' for the flags of a command; each flag's help names its JAG_* environment default, if it has one.\nOn a terminal commands print for people, in a pipe for programs; --output table|text|json|jsonl overrides.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("jag "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: jag %s %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and wraps mistakes as usage errors. The flag
// package's own report (the error, then the whole usage) is silenced: run
// prints the mistake once with a hint, and only -h prints the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// envOr returns the environment value of key, or def.
func envOr(e *env, key, def string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return def
}
