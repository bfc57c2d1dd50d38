package postgres_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/eventtest"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// The event log passes the conformance suite the feed's in-memory test
// log passes too (feeds.TestMemLogConformance). Events are appended by
// the real ingest write path, StoreSubmission.
func TestEventSourceConformance(t *testing.T) {
	t.Parallel()
	eventtest.Run(t, func(t *testing.T) eventtest.Log {
		db := pgtest.New(t)
		if _, err := db.SQLX().Exec(`INSERT INTO participants (id, name, identity) VALUES ($1, 'conformance', '{}')`, eventtest.Org); err != nil {
			t.Fatal(err)
		}
		var n int
		return eventtest.Log{Source: db, Append: func(t *testing.T, org string, received time.Time, ids ...string) []int64 {
			t.Helper()
			const modified = "2026-05-01T08:00:00.000Z"
			mod, _ := stix.ParseTimestamp(modified)
			ns := &hub.NewSubmission{Submission: hub.Submission{Org: org, Received: received, BundleID: "bundle--e7e70000-0000-4000-8000-000000000001"}}
			for _, id := range ids {
				raw := fmt.Sprintf(`{"type":"indicator","id":%q,"modified":%q}`, id, modified)
				ns.Objects = append(ns.Objects, hub.StoredObject{
					ID: id, Modified: modified, ModifiedAt: mod, Type: "indicator", CreatedAt: mod, CreatedBy: org,
					TLP: stix.TLPGreen, Raw: []byte(raw), SHA256: sha256.Sum256([]byte(raw)), Signature: "sig", KID: "kid",
				})
			}
			n++
			ns.ID = fmt.Sprintf("submission--e7e70000-0000-4000-8000-%012d", n)
			ns.Digest = sha256.Sum256([]byte(ns.ID))
			ns.Receipt = "receipt"
			if _, err := db.StoreSubmission(context.Background(), ns); err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, id := range ids {
				var seq int64
				if err := db.SQLX().Get(&seq, `SELECT seq FROM events WHERE object_id = $1`, id); err != nil {
					t.Fatal(err)
				}
				seqs = append(seqs, seq)
			}
			return seqs
		}}
	})
}
