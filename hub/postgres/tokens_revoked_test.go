package postgres_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// overlap is the window TokensRevokedSince re-reads (revocationOverlap).
const overlap = 5 * time.Second

func TestTokensRevokedSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("Empty", func(t *testing.T) {
		db := pgtest.New(t)
		jtis, through, err := db.TokensRevokedSince(ctx, time.Time{})
		if err != nil || len(jtis) != 0 {
			t.Fatalf("TokensRevokedSince = %v, %v; want none", jtis, err)
		}
		if d := time.Since(through.Add(overlap)); d < -time.Second || d > time.Second {
			t.Fatalf("through = %v, want the database clock minus %v", through, overlap)
		}
	})

	t.Run("OK", func(t *testing.T) {
		url := pgtest.URL(t)
		db, raw := openDB(t, url), openRaw(t, url)
		for _, jti := range []string{"old", "b", "a"} {
			if err := db.RevokeToken(ctx, jti, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := raw.ExecContext(ctx, `UPDATE tokens_revoked SET revoked_at = now() - interval '1 hour' WHERE jti = 'old'`); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			since time.Time
			want  []string
		}{
			{"ZeroSinceReadsAll", time.Time{}, []string{"a", "b", "old"}},
			{"SinceExcludesEarlier", time.Now().Add(-time.Minute), []string{"a", "b"}},
			{"FutureSinceReadsNone", time.Now().Add(time.Minute), nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				jtis, _, err := db.TokensRevokedSince(ctx, tc.since)
				if err != nil || !slices.Equal(jtis, tc.want) {
					t.Fatalf("TokensRevokedSince = %v, %v; want %v", jtis, err, tc.want)
				}
			})
		}
	})

	// A revocation whose transaction began before a poll and committed
	// after it carries a revoked_at earlier than that poll's clock: the
	// next poll, from the returned through, still reports it.
	t.Run("LateCommit", func(t *testing.T) {
		url := pgtest.URL(t)
		db, raw := openDB(t, url), openRaw(t, url)
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens_revoked (jti, expires_at) VALUES ('late', now() + interval '1 hour')`); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		jtis, through, err := db.TokensRevokedSince(ctx, time.Time{})
		if err != nil || len(jtis) != 0 {
			t.Fatalf("before the commit: %v, %v; want none", jtis, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var revokedAt time.Time
		if err := raw.QueryRowContext(ctx, `SELECT revoked_at FROM tokens_revoked WHERE jti = 'late'`).Scan(&revokedAt); err != nil {
			t.Fatal(err)
		}
		if !revokedAt.Before(through.Add(overlap)) {
			t.Fatalf("revoked_at %v not before the first poll's clock %v: the case is not exercised", revokedAt, through.Add(overlap))
		}
		jtis, _, err = db.TokensRevokedSince(ctx, through)
		if err != nil || !slices.Equal(jtis, []string{"late"}) {
			t.Fatalf("after the commit: %v, %v; want [late]", jtis, err)
		}
	})
}

// openRaw is a plain connection for writes the store's API does not offer.
func openRaw(t *testing.T, url string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
