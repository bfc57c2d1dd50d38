// Package pgtest gives each test its own migrated PostgreSQL database.
//
// With JAG_TEST_DATABASE_URL set, databases are created on that server.
// Otherwise one private cluster is started per test binary (fsync off, unix
// socket only, run as the postgres user when the test runs as root) and
// shut down by Main — and by the kernel if the test binary dies. The schema
// is migrated once into a template database; each test then gets a copy
// (CREATE DATABASE … TEMPLATE …), dropped when the test passes and kept
// for inspection when it fails.
//
// A package that uses pgtest declares
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// pgtest never skips: when PostgreSQL cannot be started the test fails.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/cluster"
	"github.com/jag-hub/jag/migrations"
)

type server struct {
	cluster  *cluster.Cluster // nil when JAG_TEST_DATABASE_URL is used
	dir      string
	url      func(db string) string
	template string
	seq      atomic.Int64
}

var (
	once    sync.Once
	shared  *server
	initErr error
)

// Main runs the tests and then stops the cluster, returning the exit code.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	return code
}

// URL returns the connection string of a fresh, migrated database for t.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, initErr = start() })
	if initErr != nil {
		t.Fatalf("pgtest: PostgreSQL is needed for this test and could not be started: %v", initErr)
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), shared.seq.Add(1))
	admin, err := sql.Open("postgres", shared.url("postgres"))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)+` TEMPLATE `+pq.QuoteIdentifier(shared.template)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: kept database %s for inspection", name)
			return
		}
		drop(shared.url("postgres"), name)
	})
	return shared.url(name)
}

// EmptyURL returns the connection string of a fresh database for t with
// nothing migrated: the template's schema is dropped, as a new install's
// database would be.
func EmptyURL(t testing.TB) string {
	t.Helper()
	url := URL(t)
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatalf("pgtest: empty the database: %v", err)
	}
	return url
}

// New opens a fresh, migrated database for t, closed at the end of the test.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), URL(t), postgres.Options{})
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Cluster returns the private cluster (nil with JAG_TEST_DATABASE_URL), for
// fault-injection tests that stop and start the server.
func Cluster(t testing.TB) *cluster.Cluster {
	t.Helper()
	URL(t)
	return shared.cluster
}

func start() (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := &server{template: fmt.Sprintf("jag_template_%d", os.Getpid())}
	if base := os.Getenv("JAG_TEST_DATABASE_URL"); base != "" {
		s.url = func(db string) string { return withDatabase(base, db) }
	} else {
		dir, err := os.MkdirTemp("", "jagpg")
		if err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		c, err := cluster.Start(ctx, dir, cluster.Options{NoSync: true, StopWithParent: true,
			Settings: map[string]string{"max_connections": "300", "shared_buffers": "128MB"}})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.cluster, s.dir, s.url = c, dir, c.URL
	}
	admin, err := sql.Open("postgres", s.url("postgres"))
	if err != nil {
		s.close()
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(s.template)); err != nil {
		s.close()
		return nil, fmt.Errorf("create template database: %w", err)
	}
	tdb, err := sql.Open("postgres", s.url(s.template))
	if err != nil {
		s.close()
		return nil, err
	}
	_, err = migrations.Apply(ctx, tdb)
	tdb.Close()
	if err != nil {
		s.close()
		return nil, fmt.Errorf("migrate template: %w", err)
	}
	return s, nil
}

func (s *server) close() {
	if s.cluster != nil {
		_ = s.cluster.Stop()
		os.RemoveAll(s.dir)
		return
	}
	drop(s.url("postgres"), s.template)
}

func drop(adminURL, name string) {
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
}

// withDatabase replaces the database name of a URL or key=value DSN.
func withDatabase(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	return dsn + " dbname=" + db
}
