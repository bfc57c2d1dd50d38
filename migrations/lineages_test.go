package migrations_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/migrations"
)

// TestLineagesUpgrade applies 0080 to a database holding data written
// before it: observables learn their version's creator, and a second org
// may then store its own version of an id another org holds.
func TestLineagesUpgrade(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("postgres", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	var before []migrations.Migration
	for _, m := range all {
		if m.Version < 80 {
			before = append(before, m)
		}
	}
	if _, err := migrations.ApplyList(ctx, db, before); err != nil {
		t.Fatal(err)
	}
	const (
		a   = "identity--aaaaaaaa-0000-4000-8000-00000000000a"
		b   = "identity--bbbbbbbb-0000-4000-8000-00000000000b"
		sco = "ipv4-addr--efb3cb24-5b02-57b0-adb6-64563650dafa"
	)
	insert := func(org, sub string, observable bool) error {
		q := `
			INSERT INTO participants (id, name, identity) VALUES ($1, 'p', '{}') ON CONFLICT DO NOTHING;
			INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
			VALUES ($2, $1, now(), 'bundle--x', '\x00', 1, 0, 'r');
			INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, raw, sha256, signature, kid, submission, received)
			VALUES ($3, '', now(), 'ipv4-addr', now(), $1, 'green', '{}', '\x01', 's', 'k', $2, now());`
		if observable {
			q += `INSERT INTO observables (object_id, modified, kind, value, net, path, op)
			VALUES ($3, '', 'ipv4', '198.51.100.77', '198.51.100.77', 'ipv4-addr:value', '=');`
		}
		// lib/pq sends several statements only without parameters.
		_, err := db.ExecContext(ctx, substitute(q, org, sub, sco))
		return err
	}
	if err := insert(a, "submission--00000000-0000-4000-8000-00000000000a", true); err != nil {
		t.Fatal(err)
	}
	if err := insert(b, "submission--00000000-0000-4000-8000-00000000000b", false); err == nil {
		t.Fatal("before 0080 a second org's version of the same id was stored")
	}
	if _, err := migrations.ApplyList(ctx, db, all); err != nil {
		t.Fatal(err)
	}
	var creator string
	if err := db.QueryRowContext(ctx, `SELECT created_by FROM observables WHERE object_id = $1`, sco).Scan(&creator); err != nil || creator != a {
		t.Fatalf("backfilled observable creator = %q, %v", creator, err)
	}
	if err := insert(b, "submission--00000000-0000-4000-8000-00000000000b", false); err != nil {
		t.Fatalf("after 0080 a second org's copy: %v", err)
	}
	if err := migrations.CheckList(ctx, db, all); err != nil {
		t.Fatal(err)
	}
	// A binary built for the schema before 0080 cannot serve it.
	if err := migrations.CheckList(ctx, db, before); err == nil {
		t.Fatal("a binary built before 0080 serves the lineage schema")
	}
}

// substitute replaces $1, $2, $3 in q with quoted literals (the values
// are constants of the test).
func substitute(q string, args ...string) string {
	for i := len(args); i >= 1; i-- {
		q = strings.ReplaceAll(q, "$"+string(rune('0'+i)), "'"+args[i-1]+"'")
	}
	return q
}
