package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"

	_ "github.com/lib/pq"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/migrations"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestAll(t *testing.T) {
	t.Parallel()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].Version != 1 {
		t.Fatalf("first migration = %+v, want version 1", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Version <= all[i-1].Version {
			t.Fatalf("versions out of order: %d after %d", all[i].Version, all[i-1].Version)
		}
	}
	if migrations.Latest() != all[len(all)-1].Version {
		t.Fatalf("Latest = %d", migrations.Latest())
	}
}

// The template database pgtest hands out is already migrated: applying
// again must be a no-op and Check must pass.
func TestApplyIdempotent(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("postgres", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	done, err := migrations.Apply(ctx, db)
	if err != nil || len(done) != 0 {
		t.Fatalf("Apply on migrated db = %v, %v; want none, nil", done, err)
	}
	if err := migrations.Check(ctx, db); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// Replicas starting together against one empty database must serialise on
// the advisory lock: every migration is applied exactly once in total.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	setup, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	// Start from an empty database: drop everything the template gave us.
	if _, err := setup.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Check(ctx, setup); err == nil {
		t.Fatal("Check passed on an empty database")
	}

	const replicas = 6
	var wg sync.WaitGroup
	applied := make([]int, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("postgres", url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			var done []migrations.Migration
			done, errs[i] = migrations.Apply(ctx, db)
			applied[i] = len(done)
		}()
	}
	wg.Wait()
	total := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	all, _ := migrations.All()
	if total != len(all) {
		t.Fatalf("migrations applied %d times in total, want %d", total, len(all))
	}
	var rows int
	if err := setup.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(all) {
		t.Fatalf("schema_migrations has %d rows, want %d", rows, len(all))
	}
	if err := migrations.Check(ctx, setup); err != nil {
		t.Fatalf("Check after concurrent apply: %v", err)
	}
}

func TestCheckBehind(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("postgres", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = $1`, migrations.Latest()); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Check(ctx, db); !errors.Is(err, migrations.ErrNotCurrent) || !errors.Is(err, migrations.ErrBehind) {
		t.Fatalf("Check = %v, want ErrNotCurrent (ErrBehind)", err)
	}
}
