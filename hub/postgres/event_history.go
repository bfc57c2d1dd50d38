package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

var _ hub.EventHistory = (*DB)(nil)

// EarlierMarkings implements hub.EventHistory: for every KindUpdated event
// of events, the distinct markings of the versions of its lineage (the
// object id and its creator) stored before it — received earlier, or in
// the same submission with an earlier (modified_at, modified), the order
// in which ingest announces them. One statement for the page; each lookup
// is by the objects primary key.
func (db *DB) EarlierMarkings(ctx context.Context, events []*hub.Event) error {
	const q = `
SELECT DISTINCT e.idx, o.tlp, o.recipients, o.created_by
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS e (id, modified, creator, idx)
JOIN objects cur ON cur.id = e.id AND cur.modified = e.modified AND cur.created_by = e.creator
JOIN objects o ON o.id = e.id AND o.created_by = e.creator AND o.modified <> e.modified
 AND (o.received, o.modified_at, o.modified) < (cur.received, cur.modified_at, cur.modified)`
	var ids, mods, creators []string
	var idx []int64
	for i, ev := range events {
		if ev.Kind == hub.KindUpdated {
			ids, mods, idx = append(ids, ev.ObjectID), append(mods, ev.Modified), append(idx, int64(i))
			creators = append(creators, ev.CreatedBy)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		Idx        int            `db:"idx"`
		TLP        string         `db:"tlp"`
		Recipients pq.StringArray `db:"recipients"`
		CreatedBy  string         `db:"created_by"`
	}
	if err := sqlx.SelectContext(ctx, db.db, &rows, q, pq.Array(ids), pq.Array(mods), pq.Array(creators), pq.Array(idx)); err != nil {
		return fmt.Errorf("read earlier versions: %w", mapError(err))
	}
	for _, i := range idx {
		events[i].Earlier, events[i].EarlierKnown = nil, true
	}
	for _, r := range rows {
		m := auth.Marking{TLP: r.TLP, CreatedBy: r.CreatedBy}
		if r.Recipients != nil {
			m.Recipients = []string(r.Recipients)
		}
		events[r.Idx].Earlier = append(events[r.Idx].Earlier, m)
	}
	return nil
}
