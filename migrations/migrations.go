// Package migrations holds the JAG schema as numbered, forward-only SQL files
// embedded in the binary, applies them, and decides whether a binary can
// serve a database's schema.
//
// # Compatibility and rolling deploys
//
// A binary is built for the schema version of its newest migration
// (Latest). Each migration may declare, in a line of its own,
//
//	-- compat: N
//
// the oldest schema version a binary may be built for and still serve the
// schema once this migration is applied: an additive change (a new table,
// a nullable column, an index) keeps older binaries working and names the
// version they were built for; a change they cannot live with (a dropped
// or renamed column, a new NOT NULL column they would not fill) omits the
// line and defaults to its own version. Apply records the value beside
// the version in schema_migrations, so a binary judges migrations newer
// than itself without knowing them.
//
// Check (readiness, and the gate of every subcommand) accepts a database
// that has every migration of the binary and whose applied migrations all
// declare a compat level at or below the binary's version. So in a
// rolling deploy the new binary migrates first (jag migrate, or jag serve)
// and the old replicas stay ready as long as the new migrations are
// compatible with them; a database behind the binary is refused
// (ErrBehind) and one whose newer migrations exclude the binary too
// (ErrIncompatible). Only jag migrate and jag serve apply migrations.
//
// Apply is safe to call from any number of processes at once: it takes a
// session-level advisory lock on a dedicated connection, so concurrent
// replicas starting against one empty database serialise and exactly one of
// them applies each file; the others find it recorded and skip it. Each file
// runs in its own transaction together with its bookkeeping row, so a failed
// migration leaves no trace.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory-lock key that serialises schema changes
// ("jagmigr" in ASCII); nothing else in JAG uses it.
const lockKey int64 = 0x6a61676d696772

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
	// Compat is the oldest binary schema version still compatible with
	// the schema once this migration is applied (its "-- compat: N" line,
	// else Version).
	Compat int
}

// Errors of Check. Both wrap ErrNotCurrent.
var (
	// ErrNotCurrent reports a database whose schema this binary cannot
	// serve.
	ErrNotCurrent = errors.New("schema not current")
	// ErrBehind: the database lacks migrations of this binary; run
	// jag migrate (or jag serve) with it.
	ErrBehind = fmt.Errorf("%w: database behind the binary", ErrNotCurrent)
	// ErrIncompatible: the database has newer migrations that this binary
	// cannot serve; run a newer binary.
	ErrIncompatible = fmt.Errorf("%w: database newer than the binary and not compatible with it", ErrNotCurrent)
)

// extra are migration sets compiled in by build tags (tests of rolling
// deploys build a "newer" binary with one more migration).
var extra []fs.FS

// compatLine matches the compat declaration of a migration.
var compatLine = regexp.MustCompile(`(?m)^-- compat: ([0-9]+)[ \t]*$`)

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	var out []Migration
	seen := map[int]string{}
	for _, fsys := range append([]fs.FS{files}, extra...) {
		var err error
		if out, err = load(fsys, out, seen); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// load appends the *.sql files of fsys to out.
func load(files fs.FS, out []Migration, seen map[int]string) ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		m := Migration{Version: v, Name: name, SQL: string(body), Compat: v}
		if c := compatLine.FindStringSubmatch(m.SQL); c != nil {
			if m.Compat, err = strconv.Atoi(c[1]); err != nil || m.Compat < 1 || m.Compat > v {
				return nil, fmt.Errorf("migration %q: compat must be between 1 and %d", name, v)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Latest is the highest embedded version.
func Latest() int {
	all, err := All()
	if err != nil || len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}

// Apply brings db up to the latest embedded version and returns the
// migrations it applied itself, in order (none when another process did).
// It refuses (ErrIncompatible) a database whose newer migrations exclude
// this binary, and applies nothing then.
func Apply(ctx context.Context, db *sql.DB) ([]Migration, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	return apply(ctx, db, all)
}

func apply(ctx context.Context, db *sql.DB, all []Migration) ([]Migration, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close()
	// Waiting for another replica's migrations, or a long index build, must
	// not be cut off by the pool's statement timeout; RESET restores the
	// connection's own setting before it goes back to the pool.
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return nil, fmt.Errorf("prepare migration connection: %w", err)
	}
	defer conn.ExecContext(context.Background(), `RESET statement_timeout`) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	// Unlock with a fresh context so a cancelled ctx still releases the lock
	// (closing the connection would release it too).
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck

	if _, err := conn.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	// compat: the oldest binary schema version still compatible (package
	// doc); NULL in rows written before it existed means the version.
	if _, err := conn.ExecContext(ctx, `ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS compat integer`); err != nil {
		return nil, fmt.Errorf("extend schema_migrations: %w", err)
	}
	st, err := readState(ctx, conn)
	if err != nil {
		return nil, err
	}
	if latest := all[len(all)-1].Version; st.compat > latest {
		return nil, fmt.Errorf("%w: the database needs a binary built for schema %d or later, this one is built for %d", ErrIncompatible, st.compat, latest)
	}
	var done []Migration
	for _, m := range all {
		if st.applied[m.Version] {
			continue
		}
		if err := applyOne(ctx, conn, m); err != nil {
			return done, err
		}
		done = append(done, m)
	}
	return done, nil
}

// state is what schema_migrations says.
type state struct {
	applied map[int]bool
	max     int // highest applied version (0 for none)
	compat  int // highest compat level of the applied migrations
}

// querier is a *sql.DB or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readState reads schema_migrations, which may lack the compat column
// (written by an older binary) or not exist at all (an empty database).
func readState(ctx context.Context, q querier) (state, error) {
	st := state{applied: map[int]bool{}}
	rows, err := q.QueryContext(ctx, `
		SELECT version, coalesce((to_jsonb(m) ->> 'compat')::integer, version)
		FROM schema_migrations m`)
	if err != nil {
		var missing bool
		if rerr := queryRow(ctx, q, `SELECT to_regclass('schema_migrations') IS NULL`, &missing); rerr == nil && missing {
			return st, nil
		}
		return st, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v, c int
		if err := rows.Scan(&v, &c); err != nil {
			return st, fmt.Errorf("scan schema_migrations: %w", err)
		}
		st.applied[v] = true
		st.max, st.compat = max(st.max, v), max(st.compat, c)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read schema_migrations: %w", err)
	}
	return st, nil
}

func queryRow(ctx context.Context, q querier, query string, dst any) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return sql.ErrNoRows
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Close()
}

func applyOne(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("apply migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, compat) VALUES ($1, $2, $3)`, m.Version, m.Name, m.Compat); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Name, err)
	}
	return nil
}

// Check returns nil when this binary can serve db's schema: every embedded
// migration is applied and no applied migration requires a newer binary.
// Otherwise it returns an error wrapping ErrBehind or ErrIncompatible
// (both ErrNotCurrent) with a message an operator can act on, or the
// database error.
func Check(ctx context.Context, db *sql.DB) error {
	all, err := All()
	if err != nil {
		return err
	}
	return check(ctx, db, all)
}

func check(ctx context.Context, db *sql.DB, all []Migration) error {
	st, err := readState(ctx, db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	latest := all[len(all)-1].Version
	for _, m := range all {
		if !st.applied[m.Version] {
			return fmt.Errorf("%w: the database schema is at version %d, this binary needs %d (missing %s); run `jag migrate` with this binary first",
				ErrBehind, st.max, latest, m.Name)
		}
	}
	if st.compat > latest {
		return fmt.Errorf("%w: the database schema is at version %d and needs a binary built for schema %d or later; this one is built for %d",
			ErrIncompatible, st.max, st.compat, latest)
	}
	return nil
}
