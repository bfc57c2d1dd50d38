package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/lib/pq"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/migrations"
)

func TestCompatLine(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"0001_a.sql": {Data: []byte("CREATE TABLE a (x int);\n")},
		"0002_b.sql": {Data: []byte("-- 0002: additive\n-- compat: 1\nCREATE TABLE b (x int);\n")},
	}
	ms, err := migrations.Load(fsys, nil, map[int]string{})
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Compat != 1 || ms[1].Compat != 1 {
		t.Fatalf("compat = %d, %d", ms[0].Compat, ms[1].Compat)
	}
	for _, bad := range []string{"-- compat: 0\n", "-- compat: 3\n"} {
		_, err := migrations.Load(fstest.MapFS{"0002_b.sql": {Data: []byte(bad)}}, nil, map[int]string{})
		if err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Every shipped migration parses.
	if _, err := migrations.All(); err != nil {
		t.Fatal(err)
	}
}

// A binary serves (Check) a database that is newer but compatible; it
// refuses one whose newer migrations exclude it, and one that lacks its
// migrations; an older binary's Apply applies nothing to an incompatible
// database.
func TestCheckNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	latest := old[len(old)-1].Version
	additive := migrations.Migration{Version: latest + 1, Name: "additive.sql", SQL: "CREATE TABLE compat_additive (x int)", Compat: latest}
	breaking := migrations.Migration{Version: latest + 2, Name: "breaking.sql", SQL: "CREATE TABLE compat_breaking (x int)", Compat: latest + 2}

	newer := append(append([]migrations.Migration(nil), old...), additive)
	done, err := migrations.ApplyList(ctx, db, newer)
	if err != nil || len(done) != 1 || done[0].Name != "additive.sql" {
		t.Fatalf("apply newer = %v, %v", done, err)
	}
	if err := migrations.CheckList(ctx, db, old); err != nil {
		t.Fatalf("old binary on a newer compatible schema: %v", err)
	}
	if err := migrations.CheckList(ctx, db, newer); err != nil {
		t.Fatalf("new binary: %v", err)
	}
	if done, err := migrations.ApplyList(ctx, db, old); err != nil || len(done) != 0 {
		t.Fatalf("old binary's apply on a newer schema = %v, %v", done, err)
	}

	newest := append(append([]migrations.Migration(nil), newer...), breaking)
	if _, err := migrations.ApplyList(ctx, db, newest); err != nil {
		t.Fatal(err)
	}
	err = migrations.CheckList(ctx, db, old)
	if !errors.Is(err, migrations.ErrIncompatible) || !errors.Is(err, migrations.ErrNotCurrent) {
		t.Fatalf("old binary on an incompatible schema: %v", err)
	}
	if !strings.Contains(err.Error(), "built for schema") {
		t.Errorf("message: %v", err)
	}
	if _, err := migrations.ApplyList(ctx, db, old); !errors.Is(err, migrations.ErrIncompatible) {
		t.Fatalf("old binary's apply on an incompatible schema: %v", err)
	}

	future := append(append([]migrations.Migration(nil), newest...), migrations.Migration{Version: latest + 3, Name: "future.sql", SQL: "SELECT 1", Compat: 1})
	if err := migrations.CheckList(ctx, db, future); !errors.Is(err, migrations.ErrBehind) || !strings.Contains(err.Error(), "jag migrate") {
		t.Fatalf("binary ahead of the database: %v", err)
	}
}

// Rows written before the compat column existed count as compatible from
// their own version only; an empty database is behind.
func TestCheckLegacyAndEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, _ := migrations.All()
	if _, err := db.ExecContext(ctx, `ALTER TABLE schema_migrations DROP COLUMN compat`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.CheckList(ctx, db, all); err != nil {
		t.Fatalf("legacy schema_migrations: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'x')`, all[len(all)-1].Version+1); err != nil {
		t.Fatal(err)
	}
	if err := migrations.CheckList(ctx, db, all); !errors.Is(err, migrations.ErrIncompatible) {
		t.Fatalf("legacy newer row: %v", err)
	}
	if _, err := db.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.CheckList(ctx, db, all); !errors.Is(err, migrations.ErrBehind) {
		t.Fatalf("empty database: %v", err)
	}
}
