package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/stix"
)

// taxiiVersion is a version of id with a TLP, labels and confidence.
func taxiiVersion(id, modified string, tlp stix.TLP, conf int, labels ...string) hub.StoredObject {
	o := version(id, modified, fmt.Sprint(id, modified, tlp))
	o.TLP, o.Confidence, o.Labels = tlp, &conf, labels
	return o
}

func entryKeys(es []hub.CollectionEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID[len(e.ID)-2:]+"@"+e.Modified[:10])
	}
	return out
}

func TestCollectionEntries(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	id := func(n int) string { return fmt.Sprintf("indicator--0b000000-0000-4000-8000-0000000000%02d", n) }
	store := func(org string, objs ...hub.StoredObject) {
		t.Helper()
		if _, err := db.StoreSubmission(ctx, newSubmission(org, objs...)); err != nil {
			t.Fatal(err)
		}
	}
	store(submitter, taxiiVersion(id(1), "2026-01-01T00:00:00Z", stix.TLPGreen, 90, "apt"),
		taxiiVersion(id(2), "2026-01-01T00:00:00Z", stix.TLPAmber, 50))
	store(submitter, taxiiVersion(id(1), "2026-01-02T00:00:00Z", stix.TLPRed, 90, "apt")) // red, no recipients: creator only
	store(rival, taxiiVersion(id(3), "2026-01-01T00:00:00Z", stix.TLPClear, 10, "apt"))
	store(submitter, taxiiVersion(id(1), "2026-01-03T00:00:00Z", stix.TLPGreen, 95))

	member := hub.Viewer{Org: submitter, Tier: auth.TierMember}
	rivalMember := hub.Viewer{Org: rival, Tier: auth.TierMember}
	community := hub.Viewer{Org: rival, Tier: auth.TierCommunity}
	conf60 := 60
	read := func(v hub.Viewer, f hub.CollectionFilter, q hub.CollectionQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		es, err := db.CollectionEntries(ctx, v, &f, &q)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(es); i++ {
			if !es[i].DateAdded.After(es[i-1].DateAdded) {
				t.Fatalf("date_added not increasing: %v", es)
			}
		}
		return entryKeys(es)
	}
	all := hub.VersionMatch{All: true}
	for _, tc := range []struct {
		name string
		v    hub.Viewer
		f    hub.CollectionFilter
		q    hub.CollectionQuery
		want []string
	}{
		{"creator all", member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all},
			[]string{"01@2026-01-01", "02@2026-01-01", "01@2026-01-02", "03@2026-01-01", "01@2026-01-03"}},
		{"rival all", rivalMember, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all},
			[]string{"01@2026-01-01", "02@2026-01-01", "03@2026-01-01", "01@2026-01-03"}},
		{"community all", community, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all},
			[]string{"01@2026-01-01", "03@2026-01-01", "01@2026-01-03"}},
		{"creator last", member, hub.CollectionFilter{}, hub.CollectionQuery{},
			[]string{"02@2026-01-01", "03@2026-01-01", "01@2026-01-03"}},
		{"creator first", member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: hub.VersionMatch{First: true}},
			[]string{"01@2026-01-01", "02@2026-01-01", "03@2026-01-01"}},
		// The label filter leaves out 01's third version: its last in the collection is the red one.
		{"labels last", member, hub.CollectionFilter{Labels: []string{"apt"}}, hub.CollectionQuery{},
			[]string{"01@2026-01-02", "03@2026-01-01"}},
		// For the rival the red version is invisible: the first one is its last.
		{"labels last rival", rivalMember, hub.CollectionFilter{Labels: []string{"apt"}}, hub.CollectionQuery{},
			[]string{"01@2026-01-01", "03@2026-01-01"}},
		{"tlp ceiling", member, hub.CollectionFilter{MaxTLP: stix.TLPGreen}, hub.CollectionQuery{Versions: all},
			[]string{"01@2026-01-01", "03@2026-01-01", "01@2026-01-03"}},
		{"confidence", member, hub.CollectionFilter{MinConfidence: &conf60}, hub.CollectionQuery{Versions: all},
			[]string{"01@2026-01-01", "01@2026-01-02", "01@2026-01-03"}},
		{"creators and types", member, hub.CollectionFilter{Creators: []string{rival}, Types: []string{"indicator"}}, hub.CollectionQuery{Versions: all},
			[]string{"03@2026-01-01"}},
		{"types filter", member, hub.CollectionFilter{Types: []string{"malware"}}, hub.CollectionQuery{Versions: all}, nil},
		{"ids", member, hub.CollectionFilter{}, hub.CollectionQuery{IDs: []string{id(2), id(3)}}, []string{"02@2026-01-01", "03@2026-01-01"}},
		{"query types", member, hub.CollectionFilter{}, hub.CollectionQuery{Types: []string{"malware"}}, nil},
		{"at", member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: hub.VersionMatch{At: []time.Time{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}}},
			[]string{"01@2026-01-02"}},
		{"limit", member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all, Limit: 2}, []string{"01@2026-01-01", "02@2026-01-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := read(tc.v, tc.f, tc.q); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("after", func(t *testing.T) {
		es, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{Versions: all, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		got := read(member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all, After: es[1].DateAdded})
		if !slices.Equal(got, []string{"01@2026-01-02", "03@2026-01-01", "01@2026-01-03"}) {
			t.Fatalf("after: %v", got)
		}
		every, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{Versions: all, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(member, hub.CollectionFilter{}, hub.CollectionQuery{Versions: all, After: every[len(every)-1].DateAdded}); len(got) != 0 {
			t.Fatalf("after the newest: %v", got)
		}
	})
	t.Run("raw", func(t *testing.T) {
		es, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{IDs: []string{id(2)}, Limit: 1})
		if err != nil || len(es) != 1 || len(es[0].Raw) == 0 {
			t.Fatalf("raw: %v %v", es, err)
		}
		es, err = db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{IDs: []string{id(2)}, Limit: 1, WithoutRaw: true})
		if err != nil || len(es) != 1 || len(es[0].Raw) != 0 {
			t.Fatalf("without raw: %v %v", es, err)
		}
	})
	t.Run("byte budget", func(t *testing.T) {
		// The member sees five versions (01 three times, 02, 03); with a
		// budget the read returns the versions that fit (at least one)
		// and the next one, which tells that more follow — also when the
		// first alone exceeds the budget or the fitting ones fill it
		// exactly.
		every, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{Versions: all, Limit: 100})
		if err != nil || len(every) != 5 {
			t.Fatalf("every: %d %v", len(every), err)
		}
		sizes := make([]int64, len(every))
		for i, e := range every {
			sizes[i] = int64(len(e.Raw))
		}
		for _, tc := range []struct {
			budget int64
			want   int
		}{
			{1, 2},
			{sizes[0], 2},
			{sizes[0] + 1, 2},
			{sizes[0] + sizes[1], 3},
			{sizes[0] + sizes[1] + sizes[2] - 1, 3},
			{sizes[0] + sizes[1] + sizes[2], 4},
			{1 << 30, 5},
		} {
			es, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{Versions: all, Limit: 100, MaxBytes: tc.budget})
			if err != nil || !slices.Equal(entryKeys(es), entryKeys(every[:tc.want])) {
				t.Fatalf("budget %d: %v (%v), want the first %d of %v", tc.budget, entryKeys(es), err, tc.want, entryKeys(every))
			}
		}
		// Without raw bytes (manifests) the budget does not apply.
		es, err := db.CollectionEntries(ctx, member, &hub.CollectionFilter{}, &hub.CollectionQuery{Versions: all, Limit: 100, MaxBytes: 1, WithoutRaw: true})
		if err != nil || len(es) != 5 {
			t.Fatalf("without raw: %d %v", len(es), err)
		}
	})
	// date_added follows the feed's seq order exactly.
	var mismatch int
	if err := db.SQLX().Get(&mismatch, `
		SELECT count(*) FROM (
		  SELECT row_number() OVER (ORDER BY e.seq) AS by_seq, row_number() OVER (ORDER BY a.date_added) AS by_added
		  FROM events e JOIN object_added a ON a.id = e.object_id AND a.modified = e.modified AND a.created_by = e.org) x
		WHERE by_seq <> by_added`); err != nil || mismatch != 0 {
		t.Fatalf("date_added order differs from seq order in %d rows (%v)", mismatch, err)
	}
}

// TestDateAddedCommitOrder holds a transaction that has drawn its
// date_added open (a slow commit) while another submission runs: the
// second cannot draw until the first commits, so it lands after it.
func TestDateAddedCommitOrder(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	if _, err := db.StoreSubmission(ctx, newSubmission(submitter, version("indicator--0c000000-0000-4000-8000-000000000001", t1, "seed"))); err != nil {
		t.Fatal(err)
	}
	slow, err := db.SQLX().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	if _, err := slow.Exec(`SELECT pg_advisory_xact_lock($1)`, postgres.FeedAppendLock); err != nil {
		t.Fatal(err)
	}
	slowID := "indicator--0c000000-0000-4000-8000-0000000000ff"
	if err := postgres.StampDateAdded(ctx, slow, orgA, []string{slowID}, []string{t1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := db.StoreSubmission(ctx, newSubmission(submitter, version("indicator--0c000000-0000-4000-8000-000000000002", t1, "fast")))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the fast submission committed while the slow one held its draw: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var order []string
	if err := db.SQLX().Select(&order, `SELECT id FROM object_added ORDER BY date_added`); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[1] != slowID {
		t.Fatalf("date_added order %v: the slow commit must come before the fast one", order)
	}
}

func TestCollectionsAndStatuses(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	conf := 50
	c := hub.Collection{ID: "5a000000-0000-4000-8000-000000000001", Alias: "apt", Title: "APT", Description: "d",
		Filter:     hub.CollectionFilter{Types: []string{"indicator"}, Labels: []string{"apt"}, Creators: []string{submitter}, MaxTLP: stix.TLPAmber, MinConfidence: &conf},
		ReadScopes: []string{"read"}, WriteScopes: []string{"submit"}, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.CreateCollection(ctx, &c); err != nil {
		t.Fatal(err)
	}
	for _, dup := range []hub.Collection{
		{ID: c.ID, Title: "x", ReadScopes: []string{"read"}},
		{ID: "5a000000-0000-4000-8000-000000000002", Alias: "apt", Title: "x", ReadScopes: []string{"read"}},
		{ID: hub.DefaultCollectionID, Title: "x", ReadScopes: []string{"read"}},
		{ID: "5a000000-0000-4000-8000-000000000003", Alias: "everything", Title: "x", ReadScopes: []string{"read"}},
	} {
		if err := db.CreateCollection(ctx, &dup); !errors.Is(err, hub.ErrCollectionExists) {
			t.Fatalf("duplicate %s/%s: %v", dup.ID, dup.Alias, err)
		}
	}
	ro := hub.Collection{ID: "5a000000-0000-4000-8000-000000000004", Title: "RO", ReadScopes: []string{"read"}, Created: c.Created.Add(time.Hour)}
	if err := db.CreateCollection(ctx, &ro); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Collections(ctx)
	if err != nil || len(cs) != 2 {
		t.Fatalf("collections %v %v", cs, err)
	}
	got := cs[0]
	got.Created = c.Created
	if !reflect.DeepEqual(got, c) || cs[1].Alias != "" || cs[1].WriteScopes != nil || cs[1].Filter.MaxTLP != "" || cs[1].Filter.MinConfidence != nil {
		t.Fatalf("read back %+v / %+v", cs[0], cs[1])
	}
	if err := db.DeleteCollection(ctx, ro.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCollection(ctx, ro.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}

	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	s := hub.EnvelopeStatus{ID: "6b000000-0000-4000-8000-000000000001", Org: submitter, Collection: c.ID,
		Requested: now, Expires: now.Add(time.Hour),
		Successes: []hub.StatusDetail{{ID: "indicator--x", Version: t1}},
		Failures:  []hub.StatusDetail{{ID: "indicator--y", Version: t1, Message: "invalid_signature: no"}}}
	if err := db.SaveStatus(ctx, &s); err != nil {
		t.Fatal(err)
	}
	back, err := db.EnvelopeStatus(ctx, submitter, s.ID)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("status %+v %v", back, err)
	}
	if _, err := db.EnvelopeStatus(ctx, rival, s.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("other org: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := db.EnvelopeStatus(ctx, submitter, s.ID); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	if n, err := db.PurgeStatuses(ctx, now); err != nil || n != 1 {
		t.Fatalf("purge %d %v", n, err)
	}
}

// TestDateAddedNaiveControl is the negative control of
// TestDateAddedCommitOrder: a date_added taken from the clock when the
// row is written, outside the feed lock, lets a slow transaction commit a
// date_added below one a poller has already seen, and a poller using
// added_after then skips it for ever.
func TestDateAddedNaiveControl(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	naive := func(tx interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}, id string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO object_added (date_added, id, modified, created_by) VALUES (clock_timestamp(), $1, $2, $3)`, id, t1, orgA)
		return err
	}
	slow, err := db.SQLX().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	if err := naive(slow, "indicator--slow"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := naive(db.SQLX(), "indicator--fast"); err != nil { // commits at once
		t.Fatal(err)
	}
	var seen time.Time // the poller's X-TAXII-Date-Added-Last
	if err := db.SQLX().Get(&seen, `SELECT max(date_added) FROM object_added`); err != nil {
		t.Fatal(err)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	var missed int
	if err := db.SQLX().Get(&missed, `SELECT count(*) FROM object_added WHERE date_added <= $1 AND id = 'indicator--slow'`, seen); err != nil {
		t.Fatal(err)
	}
	if missed != 1 {
		t.Fatal("the naive draw did not lose the slow commit; the control proves nothing")
	}
}
