package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

const feedOrg = "identity--f0000000-0000-4000-8000-000000000001"

// seedFeed creates the participant and submission that event rows hang on.
func seedFeed(t testing.TB, db *sqlx.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO participants (id, name, identity) VALUES ('` + feedOrg + `', 'Feed CERT', '{}')`,
		`INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
		 VALUES ('submission--f0000000-0000-4000-8000-000000000001', '` + feedOrg + `', now(), 'bundle--x', '\x00', 0, 0, 'r')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// insertObject stores one object version (inside tx) for an event to point at.
func insertObject(ctx context.Context, tx *sqlx.Tx, id, tlp string) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, confidence, labels,
                     raw, sha256, signature, kid, submission, received)
VALUES ($1, '2024-01-01T00:00:00.000Z', now(), 'indicator', now(), $2, $3, 80, '{apt}',
        convert_to('{"type":"indicator","id":"' || $1 || '"}', 'UTF8'), '\x00', 'sig', 'kid',
        'submission--f0000000-0000-4000-8000-000000000001', now())`, id, feedOrg, tlp)
	return err
}

// appendEvent follows (or, for the negative control, breaks) the ingest
// protocol: object row, then the feed lock, then the event row as the last
// statement. It returns the seq, then waits for release before COMMIT.
func appendEvent(ctx context.Context, db *sqlx.DB, n int, serialise bool, seqOut chan<- int64, release <-chan struct{}) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id := fmt.Sprintf("indicator--e0000000-0000-4000-8000-%012d", n)
	if err := insertObject(ctx, tx, id, "green"); err != nil {
		return err
	}
	if serialise {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, postgres.FeedAppendLock); err != nil {
			return err
		}
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO events (object_id, modified, kind, org, received)
		VALUES ($1, '2024-01-01T00:00:00.000Z', 'object.created', $2, now()) RETURNING seq`, id, feedOrg).Scan(&seq); err != nil {
		return err
	}
	seqOut <- seq
	<-release
	return tx.Commit()
}

func TestEventsAfterJoinsObjects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	seedFeed(t, db.SQLX())
	seqs := make(chan int64, 3)
	open := make(chan struct{})
	close(open)
	for i := range 3 {
		if err := appendEvent(ctx, db.SQLX(), i, true, seqs, open); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.EventsAfter(ctx, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 2 || p.Events[0].Seq != 1 || p.Events[1].Seq != 2 || p.PurgedThrough != 0 {
		t.Fatalf("page = %+v", p)
	}
	e := p.Events[0]
	if e.Kind != "object.created" || e.Org != feedOrg || e.CreatedBy != feedOrg || e.TLP != "green" || e.Type != "indicator" ||
		e.Recipients != nil || e.Confidence == nil || *e.Confidence != 80 || len(e.Labels) != 1 || string(e.Object) == "" {
		t.Fatalf("event = %+v", e)
	}
	if p, err = db.EventsAfter(ctx, 3, 10); err != nil || len(p.Events) != 0 {
		t.Fatalf("after the head: %+v %v", p, err)
	}
	head, purged, err := db.EventHead(ctx)
	if err != nil || head != 3 || purged != 0 {
		t.Fatalf("EventHead = %d %d %v", head, purged, err)
	}
}

// Pages of EventsAfter cover the log in seq order, each event once with
// its own object, whatever order the object keys have (here the reverse).
func TestEventsAfterPagesInSeqOrder(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	seedFeed(t, db.SQLX())
	const n = 50
	seqs := make(chan int64, n)
	open := make(chan struct{})
	close(open)
	for i := range n {
		if err := appendEvent(ctx, db.SQLX(), n-1-i, true, seqs, open); err != nil {
			t.Fatal(err)
		}
	}
	var cursor int64
	for cursor < n {
		p, err := db.EventsAfter(ctx, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(7, n-int(cursor)); len(p.Events) != want {
			t.Fatalf("after %d: %d events, want %d", cursor, len(p.Events), want)
		}
		for _, e := range p.Events {
			if e.Seq != cursor+1 {
				t.Fatalf("after %d: event %d", cursor, e.Seq)
			}
			wantID := fmt.Sprintf("indicator--e0000000-0000-4000-8000-%012d", n-e.Seq)
			if e.ObjectID != wantID || string(e.Object) != `{"type":"indicator","id":"`+wantID+`"}` {
				t.Fatalf("event %d: object %s %s, want %s", e.Seq, e.ObjectID, e.Object, wantID)
			}
			cursor = e.Seq
		}
	}
}

// tail follows the log like a naive or a real tailer: "seq > cursor".
func tail(ctx context.Context, t *testing.T, db *postgres.DB, stop <-chan struct{}) []int64 {
	var got []int64
	var cursor int64
	for {
		// Stopped before the read began: every writer has committed, so
		// an empty page means the reader has seen all it ever will. (A
		// read that began earlier may have had an older snapshot.)
		var stopped bool
		select {
		case <-stop:
			stopped = true
		default:
		}
		p, err := db.EventsAfter(ctx, cursor, 100)
		if err != nil {
			t.Error(err)
			return got
		}
		for _, e := range p.Events {
			got = append(got, e.Seq)
			cursor = e.Seq
		}
		switch {
		case stopped && len(p.Events) == 0:
			return got
		case !stopped:
			time.Sleep(time.Millisecond)
		}
	}
}

// Commits delayed out of order: with appends serialised under the feed
// lock, a reader following seq > cursor sees every event; without (the
// negative control), it skips the ones that committed late.
func TestOutOfOrderCommits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		serialise bool
	}{{"Serialised", true}, {"NaiveSkips", false}} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			ctx := context.Background()
			seedFeed(t, db.SQLX())
			stop := make(chan struct{})
			var got []int64
			done := make(chan struct{})
			go func() { got = tail(ctx, t, db, stop); close(done) }()

			// Each writer holds its transaction open after appending, for
			// a random time when serialised (so commits would come out of
			// order if the lock let them); for the naive control, writers
			// draw their seqs in turn and are released newest first, so
			// commits run exactly in reverse seq order.
			const writers = 12
			var wg sync.WaitGroup
			seqs := make(chan int64, writers)
			releases := make([]chan struct{}, writers)
			for i := range writers {
				releases[i] = make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := appendEvent(ctx, db.SQLX(), i, tc.serialise, seqs, releases[i]); err != nil {
						t.Error(err)
					}
				}()
				if tc.serialise {
					go func() {
						time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
						close(releases[i])
					}()
				} else {
					<-seqs // drawn: the next writer draws a higher seq
				}
			}
			if !tc.serialise {
				for i := writers - 1; i >= 0; i-- {
					close(releases[i])
					time.Sleep(10 * time.Millisecond)
				}
			}
			wg.Wait()
			close(stop)
			<-done
			var committed []int64
			if err := db.SQLX().Select(&committed, `SELECT seq FROM events ORDER BY seq`); err != nil {
				t.Fatal(err)
			}
			if len(committed) != writers {
				t.Fatalf("%d events committed, want %d", len(committed), writers)
			}
			skipped := len(committed) - len(got)
			if tc.serialise {
				if fmt.Sprint(got) != fmt.Sprint(committed) {
					t.Fatalf("reader saw %v, committed %v", got, committed)
				}
				return
			}
			if skipped == 0 {
				t.Fatalf("the naive reader skipped nothing (%v): the negative control did not reproduce the hazard", got)
			}
			t.Logf("naive reader skipped %d of %d late-committed events", skipped, writers)
		})
	}
}

func TestPurgeEvents(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	seedFeed(t, db.SQLX())
	seqs := make(chan int64, 5)
	open := make(chan struct{})
	close(open)
	for i := range 5 {
		if err := appendEvent(ctx, db.SQLX(), i, true, seqs, open); err != nil {
			t.Fatal(err)
		}
	}
	// Received: 1,2 old; 3 new; 4 old (out of order); 5 new.
	old := time.Now().Add(-48 * time.Hour)
	if _, err := db.SQLX().Exec(`UPDATE events SET received = $1 WHERE seq IN (1, 2, 4)`, old); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeEvents(ctx, time.Now().Add(-24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeEvents = %d, %v; want 2 (a prefix only)", n, err)
	}
	p, err := db.EventsAfter(ctx, 0, 10)
	if err != nil || p.PurgedThrough != 2 || len(p.Events) != 3 || p.Events[0].Seq != 3 {
		t.Fatalf("after purge: %+v %v", p, err)
	}
	if n, err := db.PurgeEvents(ctx, time.Now().Add(-24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("second purge = %d, %v", n, err)
	}
	if n, err := db.PurgeEvents(ctx, time.Now().Add(time.Hour)); err != nil || n != 3 {
		t.Fatalf("purge all = %d, %v", n, err)
	}
	head, purged, err := db.EventHead(ctx)
	if err != nil || head != 0 || purged != 5 {
		t.Fatalf("EventHead after purging all = %d %d %v", head, purged, err)
	}
}

func TestEventStatsOldestWriteTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	tx, err := db.SQLX().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`INSERT INTO tokens_revoked (jti, expires_at) VALUES ('x', now())`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	st, err := db.EventStats(ctx)
	if err != nil || st.OldestWriteXact < 250*time.Millisecond {
		t.Fatalf("EventStats = %+v, %v; want the open transaction's age", st, err)
	}
}

// Wake-ups arrive on NOTIFY, and again after the LISTEN connection was
// killed and re-established.
func TestEventListener(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	db, err := postgres.Open(context.Background(), url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	el, err := postgres.ListenEvents(url, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	ctx := context.Background()
	waitWake := func(what string, notify bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if notify {
				if err := db.NotifyEvents(ctx, 1); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-el.Wakeups():
				return
			case <-tick.C:
			case <-deadline:
				t.Fatalf("no wake-up %s", what)
			}
		}
	}
	waitWake("on NOTIFY", true)
	var killed int
	if err := db.SQLX().Get(&killed, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'listen%'`); err != nil || killed != 1 {
		t.Fatalf("terminate listener: %d, %v", killed, err)
	}
	waitWake("after the listener was killed", true)
}
