// Package postgres is JAG's storage: every SQL statement the hub runs lives
// in this package, next to the method that runs it.
//
// A DB is safe for concurrent use. Each exported method that writes is one
// transaction. Errors that mean "the database cannot answer right now"
// (connection refused or lost, server shutting down, too many connections,
// statement timeout) wrap ErrUnavailable so callers answer 503 with
// Retry-After rather than 500; other errors are mapped by SQLSTATE, never by
// message text.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/migrations"
)

// Options tune the connection pool; zero values take the defaults.
type Options struct {
	MaxOpenConns int           // default 32
	MaxIdleConns int           // default 16
	ConnLifetime time.Duration // default 30m
	// StatementTimeout bounds every statement on the server side (0: the
	// server's setting). A statement cut off answers hub.ErrUnavailable, so a
	// stuck query becomes a fast 503 instead of a held connection.
	StatementTimeout time.Duration
	// NoTransparencyLog stops appending entries to the transparency log
	// (versions and registry changes accepted meanwhile are not logged
	// and cannot be proven); for benchmarks and emergencies.
	NoTransparencyLog bool
}

// DB is a handle on the JAG database.
type DB struct {
	db    *sqlx.DB
	now   func() time.Time
	noLog bool // Options.NoTransparencyLog
	// leaves holds the leaf hashes of the log batches this process
	// committed, until its sequencer has hashed them (translog_leaves.go).
	leaves leafCache
	// stmts are the hot read paths' prepared statements (prepared.go).
	stmts preparedStmts
}

// Open connects to dsn (a lib/pq URL or key=value string) and checks that
// the server answers.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.StatementTimeout > 0 {
		dsn = withSetting(dsn, "statement_timeout", strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10))
	}
	sdb, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if opt.MaxOpenConns == 0 {
		opt.MaxOpenConns = 32
	}
	if opt.MaxIdleConns == 0 {
		opt.MaxIdleConns = 16
	}
	if opt.ConnLifetime == 0 {
		opt.ConnLifetime = 30 * time.Minute
	}
	sdb.SetMaxOpenConns(opt.MaxOpenConns)
	sdb.SetMaxIdleConns(opt.MaxIdleConns)
	sdb.SetConnMaxLifetime(opt.ConnLifetime)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect to database: %w", mapError(err))
	}
	return &DB{db: sdb, now: time.Now, noLog: opt.NoTransparencyLog}, nil
}

// withSetting adds a server setting to a lib/pq connection string (URL or
// key=value form); lib/pq sends keys it does not know as run-time
// parameters in the startup message. An explicit setting in dsn wins.
func withSetting(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // Open reports the malformed URL
		}
		q := u.Query()
		if q.Get(key) == "" {
			q.Set(key, value)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	if strings.Contains(dsn, key+"=") {
		return dsn
	}
	return strings.TrimSpace(dsn + " " + key + "=" + value)
}

// Close closes the pool.
func (db *DB) Close() error {
	db.stmts.closeAll()
	return db.db.Close()
}

// SQLX exposes the pool to tests, benchmarks and the migration runner.
func (db *DB) SQLX() *sqlx.DB { return db.db }

// SetClock replaces the clock (tests).
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Migrate applies the embedded migrations under the advisory lock and
// returns those it applied (migrations.Apply).
func (db *DB) Migrate(ctx context.Context) ([]migrations.Migration, error) {
	done, err := migrations.Apply(ctx, db.db.DB)
	if err != nil {
		return done, mapError(err)
	}
	return done, nil
}

// CheckSchema returns nil when this binary can serve the database's schema
// (migrations.Check): every migration of the binary applied, and newer
// ones, if any, compatible with it.
func (db *DB) CheckSchema(ctx context.Context) error {
	return mapError(migrations.Check(ctx, db.db.DB))
}

// Ready returns nil when the database answers and this binary can serve
// its schema (CheckSchema): a newer but compatible schema is ready, so the
// old replicas of a rolling deploy keep serving while a new one migrates.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return mapError(err)
	}
	return mapError(migrations.Check(ctx, db.db.DB))
}

// mapError wraps errors that mean the database is unavailable with
// ErrUnavailable (keeping the original in the chain) and sql.ErrNoRows with
// ErrNotFound.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, hub.ErrUnavailable) || errors.Is(err, hub.ErrNotFound) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", hub.ErrNotFound, err)
	}
	if IsUnavailable(err) {
		return fmt.Errorf("%w: %w", hub.ErrUnavailable, err)
	}
	return err
}

// IsUnavailable reports whether err means the database cannot answer now.
func IsUnavailable(err error) bool {
	if errors.Is(err, hub.ErrUnavailable) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code.Class() == "08": // connection exception
			return true
		case pqErr.Code == "57P01", pqErr.Code == "57P02", pqErr.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		case pqErr.Code == "53300": // too many connections
			return true
		case pqErr.Code == "57014": // statement timeout / query canceled
			return true
		case pqErr.Code == "40001", pqErr.Code == "40P01": // serialization failure, deadlock: retryable
			return true
		}
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	return errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ENOENT) || // unix socket gone
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, pq.ErrSSLNotSupported) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) // connection closed mid-query
}
