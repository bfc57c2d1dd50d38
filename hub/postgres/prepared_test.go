package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestPreparedStatementsSurviveLostConnections: the prepared hot paths
// (TokenRevoked, ExportPosition) keep answering, and answering right,
// after the server ends every connection of the pool they were prepared
// on; meanwhile a failure is "unavailable" (503), never a wrong answer.
func TestPreparedStatementsSurviveLostConnections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	db, admin := openDB(t, url), openDB(t, url)
	if err := db.RevokeToken(ctx, "revoked-jti", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	viewer := hub.Viewer{Org: orgA, Tier: "member"}
	check := func(what string) error {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs { // several at once: prepared on several connections
			wg.Go(func() {
				jti, want := "live-jti", false
				if i%2 == 0 {
					jti, want = "revoked-jti", true
				}
				got, err := db.TokenRevoked(ctx, jti)
				if err == nil && got != want {
					t.Errorf("%s: TokenRevoked(%s) = %v", what, jti, got)
				}
				if err == nil {
					var pos int64
					pos, _, err = db.ExportPosition(ctx, viewer, export.Filter{})
					if err == nil && pos != 0 {
						t.Errorf("%s: position %d of an empty hub", what, pos)
					}
				}
				errs[i] = err
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := check("before"); err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := admin.SQLX().Get(&killed, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil || killed == 0 {
		t.Fatalf("terminate the pool's connections: %d, %v", killed, err)
	}
	for attempt := 1; ; attempt++ {
		err := check("after")
		if err == nil {
			break
		}
		if !errors.Is(err, hub.ErrUnavailable) {
			t.Fatalf("after the connections were lost: %v, want only ErrUnavailable", err)
		}
		if attempt == 10 {
			t.Fatalf("still failing after %d attempts: %v", attempt, err)
		}
	}
}
