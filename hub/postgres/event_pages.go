package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/jag-hub/jag/hub"
)

var _ hub.EventPager = (*DB)(nil)

// EventsAfterBytes implements hub.EventPager: EventsAfter bounded in bytes
// as well. It returns the longest run of the first limit events after
// after whose object bytes before the last one stay under maxBytes — so
// always at least one event, however large. The running sum is taken over
// the limited rows only, and octet_length reads a stored value's size
// without detoasting it, so the events left out cost the database no
// more than their sizes.
func (db *DB) EventsAfterBytes(ctx context.Context, after int64, limit int, maxBytes int64) (hub.Page, error) {
	const q = `
SELECT r.purged_through, e.seq, e.kind, e.object_id, e.modified, e.org, e.received,
       e.raw, e.type, e.created_by, e.tlp, e.recipients, e.revoked, e.confidence, e.labels
FROM feed_retention r
LEFT JOIN LATERAL (
    SELECT w.seq, w.kind, w.object_id, w.modified, w.org, w.received,
           w.raw, w.type, w.created_by, w.tlp, w.recipients, w.revoked, w.confidence, w.labels
    FROM (
        SELECT x.*, sum(octet_length(x.raw)) OVER (ORDER BY x.seq) - octet_length(x.raw) AS before
        FROM (
            SELECT ev.seq, ev.kind, ev.object_id, ev.modified, ev.org, ev.received,
                   o.raw, o.type, o.created_by, o.tlp, o.recipients, o.revoked, o.confidence, o.labels
            FROM events ev
            JOIN objects o ON o.id = ev.object_id AND o.modified = ev.modified AND o.created_by = ev.org
            WHERE ev.seq > $1
            ORDER BY ev.seq
            LIMIT $2
        ) x
    ) w
    WHERE w.before < $3
) e ON true`
	var rows []eventRow
	if err := sqlx.SelectContext(ctx, db.db, &rows, q, after, limit, max(maxBytes, 1)); err != nil {
		return hub.Page{}, fmt.Errorf("read events: %w", mapError(err))
	}
	return pageOf(rows), nil
}
