// Package migrations holds the JAG schema as numbered, forward-only SQL files
// embedded in the binary, and applies them.
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
}

// ErrNotCurrent reports a database whose schema is behind (or ahead of) the binary.
var ErrNotCurrent = errors.New("schema not current")

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	out := make([]Migration, 0, len(names))
	seen := map[int]string{}
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
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
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

// Apply brings db up to the latest embedded version and reports how many
// migrations it applied itself.
func Apply(ctx context.Context, db *sql.DB) (int, error) {
	all, err := All()
	if err != nil {
		return 0, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close()
	// Waiting for another replica's migrations, or a long index build, must
	// not be cut off by the pool's statement timeout; RESET restores the
	// connection's own setting before it goes back to the pool.
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return 0, fmt.Errorf("prepare migration connection: %w", err)
	}
	defer conn.ExecContext(context.Background(), `RESET statement_timeout`) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return 0, fmt.Errorf("take migration lock: %w", err)
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
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scan schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}

	n := 0
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		if err := applyOne(ctx, conn, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Name, err)
	}
	return nil
}

// Check returns nil when db has exactly the embedded migrations applied,
// ErrNotCurrent when it is behind or ahead, or the database error.
func Check(ctx context.Context, db *sql.DB) error {
	var have int
	err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if want := Latest(); have != want {
		return fmt.Errorf("%w: database at %d, binary at %d", ErrNotCurrent, have, want)
	}
	return nil
}
