package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/cluster"
	"github.com/jag-hub/jag/migrations"
)

// dbFlags is how every subcommand that needs the database finds it: an
// explicit URL (--database-url, JAG_DATABASE_URL or JAG_DATABASE_URL_FILE),
// or else the embedded cluster under --data-dir.
type dbFlags struct {
	url     string
	dataDir string
}

const embeddedDatabase = "jag"

func (f *dbFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.url, "database-url", envOr(e, "JAG_DATABASE_URL", ""),
		"PostgreSQL URL; empty runs the embedded cluster under --data-dir (env JAG_DATABASE_URL, or JAG_DATABASE_URL_FILE)")
	fs.StringVar(&f.dataDir, "data-dir", envOr(e, "JAG_DATA_DIR", "./jag-data"),
		"directory of the embedded PostgreSQL cluster (env JAG_DATA_DIR)")
}

// resolveURL fills url from JAG_DATABASE_URL_FILE when neither the flag nor
// JAG_DATABASE_URL gave one.
func (f *dbFlags) resolveURL(e *env) error {
	if f.url != "" {
		return nil
	}
	path := envOr(e, "JAG_DATABASE_URL_FILE", "")
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read JAG_DATABASE_URL_FILE: %w", err)
	}
	f.url = strings.TrimSpace(string(b))
	return nil
}

// database is an open database whose schema this binary can serve, and
// what it takes to release it.
type database struct {
	DB      *postgres.DB
	cluster *cluster.Cluster       // nil with an external URL
	applied []migrations.Migration // what open applied (with migrate)
}

// Close closes the pool and stops the embedded cluster if this process
// started it.
func (d *database) Close() error {
	err := d.DB.Close()
	if d.cluster != nil {
		err = errors.Join(err, d.cluster.Stop())
	}
	return err
}

// open connects. With no URL, a serving process (serve, the demo's own hub)
// starts the embedded cluster and owns it, logging what it did on report;
// any other command (report nil) only attaches to the cluster a running hub
// started, and refuses otherwise: it never creates a database the hub would
// not see. With migrate it applies the migrations and returns them (only
// jag serve and jag migrate do); without, it refuses a schema this binary
// cannot serve (behind it, or newer and incompatible) with a message that
// says what to run.
func (f *dbFlags) open(ctx context.Context, e *env, opt postgres.Options, report func(warn bool, msg string), migrate bool) (*database, error) {
	if err := f.resolveURL(e); err != nil {
		return nil, err
	}
	d := &database{}
	url := f.url
	if url == "" {
		var c *cluster.Cluster
		var err error
		if report != nil {
			c, err = cluster.Start(ctx, f.dataDir, cluster.Options{Report: report})
		} else {
			c, err = cluster.Attach(ctx, f.dataDir)
		}
		switch {
		case errors.Is(err, cluster.ErrNoPostgres):
			return nil, err
		case errors.Is(err, cluster.ErrNotRunning):
			abs, _ := filepath.Abs(f.dataDir)
			return nil, fmt.Errorf("%w: start the hub there first (`jag serve --data-dir %s`, or `make run` in that clone), "+
				"or point this command at the hub's database with --data-dir DIR (env JAG_DATA_DIR) or --database-url URL (env JAG_DATABASE_URL)", err, abs)
		case errors.Is(err, cluster.ErrInUse):
			return nil, err
		case err != nil:
			return nil, fmt.Errorf("embedded PostgreSQL of data dir %s: %w", f.dataDir, err)
		}
		d.cluster = c
		if c.Owned() {
			if err := c.CreateDatabase(ctx, embeddedDatabase); err != nil {
				_ = c.Stop()
				return nil, err
			}
		}
		url = c.URL(embeddedDatabase)
	}
	db, err := postgres.Open(ctx, url, opt)
	if err != nil {
		if d.cluster != nil {
			_ = d.cluster.Stop()
		}
		return nil, err
	}
	d.DB = db
	if !migrate {
		if err := db.CheckSchema(ctx); err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("database schema: %w", err)
		}
		return d, nil
	}
	if d.applied, err = db.Migrate(ctx); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return d, nil
}

// openServe opens the database of a serving process, logging on log what
// happened to the embedded cluster (created where, run as whom, a server
// left by a dead hub stopped).
func (f *dbFlags) openServe(ctx context.Context, e *env, log zerolog.Logger, opt postgres.Options) (*database, error) {
	return f.open(ctx, e, opt, func(warn bool, msg string) {
		if warn {
			log.Warn().Str("component", "postgres").Msg(msg)
		} else {
			log.Info().Str("component", "postgres").Msg(msg)
		}
	}, true)
}

// adminConns bounds the pool of a one-shot administrative command
// (migrate, participant, key, token, demo): it runs a few statements in
// sequence and must not take connections a running hub needs.
const adminConns = 2

// openAdmin opens the database for a one-shot administrative command: the
// URL given, or the embedded cluster of the running hub (never a new one).
// It never migrates.
func (f *dbFlags) openAdmin(ctx context.Context, e *env) (*database, error) {
	return f.open(ctx, e, postgres.Options{MaxOpenConns: adminConns}, nil, false)
}

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate", "[flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := dbf.open(ctx, e, postgres.Options{MaxOpenConns: adminConns}, nil, true)
	if err != nil {
		return err
	}
	defer d.Close()
	for _, m := range d.applied {
		fmt.Fprintf(e.stdout, "applied %s\n", m.Name)
	}
	fmt.Fprintf(e.stdout, "schema ready for this binary (schema %d); %d migration(s) applied now\n", migrations.Latest(), len(d.applied))
	return nil
}
