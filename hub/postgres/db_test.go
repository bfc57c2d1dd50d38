package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// A statement cut off by the configured statement timeout is an outage
// (503), and the pool serves the next request normally.
func TestStatementTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	db, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{StatementTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var ms string
	if err := db.SQLX().GetContext(ctx, &ms, `SHOW statement_timeout`); err != nil || ms != "100ms" {
		t.Fatalf("statement_timeout = %q, %v; want 100ms", ms, err)
	}
	_, err = db.SQLX().ExecContext(ctx, `SELECT pg_sleep(2)`)
	if !postgres.IsUnavailable(err) {
		t.Fatalf("slow statement error %v is not unavailable", err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("next request: %v", err)
	}
}
