package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/hub/translog"
)

// BenchmarkStoreSubmissionLog is the store's side of the log's cost:
// bundles of 1,000 versions stored with and without the log, and the
// sequencer hashing them (pgtest cluster: fsync off, so CPU only).
func BenchmarkStoreSubmissionLog(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"nolog", "log", "sequencer"} {
		b.Run(mode, func(b *testing.B) {
			db, err := postgres.Open(ctx, pgtest.URL(b), postgres.Options{NoTransparencyLog: mode == "nolog"})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.SQLX().Exec(`INSERT INTO participants (id, name, identity) VALUES ($1, 'x', '{}')`, submitter); err != nil {
				b.Fatal(err)
			}
			subs := make([]*hub.NewSubmission, b.N)
			for i := range subs {
				objs := make([]hub.StoredObject, 1000)
				for j := range objs {
					objs[j] = version(fmt.Sprintf("indicator--0c000000-0000-4000-8000-%06d%06d", i, j), t1, "x")
				}
				subs[i] = newSubmission(submitter, objs...)
			}
			keys, err := translog.EnsureKeys(ctx, db, "bench.example/log")
			if err != nil {
				b.Fatal(err)
			}
			seq := &translog.Sequencer{Store: db, Origin: keys.Origin, Signers: keys.Signers, Interval: time.Hour}
			b.ResetTimer()
			if mode == "sequencer" {
				b.StopTimer()
			}
			for i := range subs {
				if _, err := db.StoreSubmission(ctx, subs[i]); err != nil {
					b.Fatal(err)
				}
			}
			if mode == "sequencer" {
				b.StartTimer()
				for {
					res, err := seq.Step(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if res.Hashed == 0 {
						break
					}
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "versions/s")
		})
	}
}
