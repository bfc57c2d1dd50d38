package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub"
)

// feedAppendLock is the transaction-level advisory lock under which every
// transaction appends its event rows, as its LAST statements:
//
//	SELECT pg_advisory_xact_lock(7364361); INSERT INTO events ...; COMMIT
//
// seq values come from a sequence at INSERT time but become visible at
// COMMIT, so without the lock a reader following "seq > last" would skip a
// row whose transaction commits after a later one. With it, the
// transaction holding seq n keeps the lock until its commit is visible
// (PostgreSQL releases transaction locks after marking the transaction
// committed), and the next appender can only draw seq > n after that. So
// committed seqs always form a prefix of the seqs that will ever commit,
// and a tailer reading "seq > cursor ORDER BY seq" never skips. The
// wake-up NOTIFY is sent after COMMIT, outside the transaction.
const feedAppendLock = 7364361

// eventsChannel is the LISTEN/NOTIFY channel of feed wake-ups.
const eventsChannel = "jag_events"

var (
	_ hub.EventSource = (*DB)(nil)
	_ hub.Wakeup      = (*EventListener)(nil)
)

// eventRow is one event joined with its object version.
type eventRow struct {
	Seq           *int64         `db:"seq"`
	Kind          *string        `db:"kind"`
	ObjectID      *string        `db:"object_id"`
	Modified      *string        `db:"modified"`
	Org           *string        `db:"org"`
	Received      *time.Time     `db:"received"`
	Raw           []byte         `db:"raw"`
	Type          *string        `db:"type"`
	CreatedBy     *string        `db:"created_by"`
	TLP           *string        `db:"tlp"`
	Recipients    pq.StringArray `db:"recipients"`
	Revoked       *bool          `db:"revoked"`
	Confidence    *int           `db:"confidence"`
	Labels        pq.StringArray `db:"labels"`
	PurgedThrough int64          `db:"purged_through"`
}

// EventsAfter implements hub.EventSource. The purge watermark and the events
// are read by one statement, so they belong to one snapshot: one query per
// batch, each object version's bytes read once, by primary key. The
// batch is put in seq order here rather than by an outer ORDER BY, which
// would make PostgreSQL sort the wide rows (object bytes included) again.
func (db *DB) EventsAfter(ctx context.Context, after int64, limit int) (hub.Page, error) {
	const q = `
SELECT r.purged_through, e.seq, e.kind, e.object_id, e.modified, e.org, e.received,
       e.raw, e.type, e.created_by, e.tlp, e.recipients, e.revoked, e.confidence, e.labels
FROM feed_retention r
LEFT JOIN LATERAL (
    SELECT ev.seq, ev.kind, ev.object_id, ev.modified, ev.org, ev.received,
           o.raw, o.type, o.created_by, o.tlp, o.recipients, o.revoked, o.confidence, o.labels
    FROM events ev
    JOIN objects o ON o.id = ev.object_id AND o.modified = ev.modified AND o.created_by = ev.org
    WHERE ev.seq > $1
    ORDER BY ev.seq
    LIMIT $2
) e ON true`
	var rows []eventRow
	if err := sqlx.SelectContext(ctx, db.db, &rows, q, after, limit); err != nil {
		return hub.Page{}, fmt.Errorf("read events: %w", mapError(err))
	}
	return pageOf(rows), nil
}

// pageOf turns the rows of an event read (EventsAfter, EventsAfterBytes)
// into a page in seq order. The rows usually come in order already (the
// join keeps the inner order), which the sort detects in one pass.
func pageOf(rows []eventRow) hub.Page {
	p := hub.Page{Events: make([]*hub.Event, 0, len(rows))}
	for _, r := range rows {
		p.PurgedThrough = r.PurgedThrough
		if r.Seq == nil {
			continue // the LEFT JOIN's empty side: no events
		}
		ev := &hub.Event{
			Seq: *r.Seq, Kind: *r.Kind, ObjectID: *r.ObjectID, Modified: *r.Modified,
			Org: *r.Org, Received: *r.Received, Object: r.Raw, Type: *r.Type,
			CreatedBy: *r.CreatedBy, TLP: *r.TLP, Revoked: *r.Revoked,
			Confidence: r.Confidence, Labels: []string(r.Labels),
		}
		if r.Recipients != nil {
			ev.Recipients = []string(r.Recipients)
		}
		p.Events = append(p.Events, ev)
	}
	slices.SortFunc(p.Events, func(a, b *hub.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return p
}

// EventHead implements hub.EventSource.
func (db *DB) EventHead(ctx context.Context) (head, purgedThrough int64, err error) {
	const q = `SELECT coalesce((SELECT max(seq) FROM events), 0), purged_through FROM feed_retention`
	if err := db.db.QueryRowContext(ctx, q).Scan(&head, &purgedThrough); err != nil {
		return 0, 0, fmt.Errorf("read event head: %w", mapError(err))
	}
	return head, purgedThrough, nil
}

// EventStats implements hub.EventSource. The oldest write transaction is
// taken from pg_stat_activity (transactions that hold an xid have
// written); it includes this database's sessions of every role the
// connecting role may observe.
func (db *DB) EventStats(ctx context.Context) (hub.Stats, error) {
	const q = `
SELECT coalesce((SELECT max(seq) FROM events), 0),
       coalesce((SELECT extract(epoch FROM clock_timestamp() - min(xact_start))
                 FROM pg_stat_activity
                 WHERE backend_xid IS NOT NULL AND datname = current_database()), 0)`
	var (
		s   hub.Stats
		age float64
	)
	if err := db.db.QueryRowContext(ctx, q).Scan(&s.MaxSeq, &age); err != nil {
		return hub.Stats{}, fmt.Errorf("read event stats: %w", mapError(err))
	}
	s.OldestWriteXact = time.Duration(age * float64(time.Second))
	return s, nil
}

// purgeBatch bounds the rows one purge statement deletes.
const purgeBatch = 10000

// PurgeEvents implements hub.EventSource: it deletes, in batches from the
// oldest, the longest prefix of the log whose events were all received
// before cutoff, and advances the purge watermark with each batch in the
// same transaction. Deleting a prefix only (never a younger event below an
// older one) keeps "cursor < watermark" an exact test for lost events.
// Concurrent purges on several replicas are harmless.
func (db *DB) PurgeEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	const q = `
WITH head AS (
    SELECT seq, received FROM events ORDER BY seq LIMIT $2
), prefix AS (
    SELECT seq, bool_and(received < $1) OVER (ORDER BY seq) AS old FROM head
), upto AS (
    SELECT max(seq) AS seq FROM prefix WHERE old
), gone AS (
    DELETE FROM events WHERE seq <= (SELECT seq FROM upto) RETURNING seq
)
UPDATE feed_retention
SET purged_through = greatest(purged_through, coalesce((SELECT max(seq) FROM gone), 0))
RETURNING (SELECT count(*) FROM gone)`
	var total int64
	for {
		var n int64
		if err := db.db.QueryRowContext(ctx, q, cutoff, purgeBatch).Scan(&n); err != nil {
			return total, fmt.Errorf("purge events: %w", mapError(err))
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// EventListener turns NOTIFYs on the jag_events channel into coalesced
// wake-ups for the feed tailer. It reconnects by itself (lib/pq's
// Listener); a reconnection is also a wake-up, since notifications may
// have been missed meanwhile. Delivery never depends on it: the tailer
// polls.
type EventListener struct {
	l    *pq.Listener
	wake chan struct{}
	done chan struct{}
}

// ListenEvents opens a dedicated connection to dsn and LISTENs for feed
// wake-ups. It returns at once; the connection is (re)established in the
// background. Close releases it.
func ListenEvents(dsn string, log zerolog.Logger) (*EventListener, error) {
	report := func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnectionAttemptFailed, pq.ListenerEventDisconnected:
			log.Warn().Err(err).Msg("feed listener connection lost; polling continues")
		case pq.ListenerEventReconnected:
			log.Info().Msg("feed listener reconnected")
		}
	}
	el := &EventListener{
		l:    pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, report),
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	if err := el.l.Listen(eventsChannel); err != nil && err != pq.ErrChannelAlreadyOpen {
		// The first connection attempt failed; the Listener keeps trying
		// and re-LISTENs on every channel it was asked for.
		log.Warn().Err(err).Msg("feed listener not connected yet; polling continues")
	}
	go el.forward()
	return el, nil
}

func (el *EventListener) forward() {
	defer close(el.done)
	for range el.l.Notify {
		// A nil notification means the connection was re-established.
		select {
		case el.wake <- struct{}{}:
		default:
		}
	}
}

// Wakeups implements hub.Wakeup. The channel has a buffer of one:
// several notifications in a row coalesce into one wake-up.
func (el *EventListener) Wakeups() <-chan struct{} { return el.wake }

// Close stops listening and closes the connection.
func (el *EventListener) Close() error {
	err := el.l.Close()
	<-el.done
	if err != nil {
		return fmt.Errorf("close event listener: %w", err)
	}
	return nil
}

// NotifyEvents sends the wake-up for events up to seq. Call it after the
// appending transaction committed, never inside it.
func (db *DB) NotifyEvents(ctx context.Context, seq int64) error {
	if _, err := db.db.ExecContext(ctx, `SELECT pg_notify('`+eventsChannel+`', $1)`, fmt.Sprint(seq)); err != nil {
		return fmt.Errorf("notify events: %w", mapError(err))
	}
	return nil
}
