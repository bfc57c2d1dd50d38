package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix/pattern"
)

// Lookup answers many probes in one statement. Exact (kind, value) pairs
// — a domain's parents and a digest's possible algorithms included — are
// joined on observables_value; addresses and CIDRs are joined on the GiST
// index with "net && probe" (overlap), which finds the same network, every
// network containing it and every address or network inside it
// (pattern.Match labels each: exact, cidr, contains). A hit counts only
// when its object version is the latest one of its lineage (id and
// creator, migration 0080) the viewer may see: a version superseded by a
// visible later one that dropped the value does not match; each org's
// copy of an id is a hit of its own.
//
// Hits come in (probe, object id, creator) order strictly after after
// (hub.LookupAfter; the zero value starts at the first probe), and carry
// their object's raw bytes only while the raws of the hits before stay
// under maxBytes (budgetedColumns): a repeated object costs its bytes per
// hit here, so the bound is conservative.
func (db *DB) Lookup(ctx context.Context, v hub.Viewer, probes []hub.Probe, after hub.LookupAfter, limit int, maxBytes int64) ([]hub.LookupHit, error) {
	q := `WITH hits AS (
		    SELECT p.idx, ob.object_id, ob.modified, ob.created_by, ob.kind, ob.value, ob.path, ob.op
		    FROM unnest($1::int[], $2::text[], $3::text[]) AS p (idx, kind, value)
		    JOIN observables ob ON ob.kind = p.kind AND ob.value = p.value
		  UNION ALL
		    SELECT n.idx, ob.object_id, ob.modified, ob.created_by, ob.kind, ob.value, ob.path, ob.op
		    FROM unnest($4::int[], $5::inet[]) AS n (idx, net)
		    JOIN observables ob ON ob.net && n.net
		)
		SELECT h.idx, h.kind, h.value, h.path, h.op, ` + budgetedColumns("$11") + `
		FROM hits h
		JOIN objects o ON o.id = h.object_id AND o.modified = h.modified AND o.created_by = h.created_by
		WHERE jag_visible(o.tlp, o.recipients, o.created_by, $6, $7)
		  AND (h.idx, o.id, o.created_by) > ($9::int, $10::text, $12::text)
		  AND NOT EXISTS (
		        SELECT 1 FROM objects l
		        WHERE l.id = o.id AND l.created_by = o.created_by
		          AND (l.modified_at, l.modified) > (o.modified_at, o.modified)
		          AND jag_visible(l.tlp, l.recipients, l.created_by, $6, $7))
		WINDOW w AS (ORDER BY h.idx, o.id, o.created_by ROWS UNBOUNDED PRECEDING)
		ORDER BY h.idx, o.id, o.created_by
		LIMIT $8`
	var idx, nidx []int64
	var kinds, values, nets []string
	for i, p := range probes {
		if p.Net != "" {
			// the containment join finds the same network too
			nidx, nets = append(nidx, int64(i)), append(nets, p.Net)
			continue
		}
		for _, k := range p.Kinds {
			for _, val := range p.Values {
				idx, kinds, values = append(idx, int64(i)), append(kinds, k), append(values, val)
			}
		}
	}
	// Every join here is meant as an index probe per value. The planner's
	// default guess for "net && probe" (a thousand rows each) would
	// otherwise buy a hash join over a sequential scan of objects, JIT
	// compilation and parallel workers, each costing more than all the
	// probes. The settings are local to this read-only transaction.
	tx, err := db.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", mapError(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('max_parallel_workers_per_gather', '0', true),
		set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true)`); err != nil {
		return nil, fmt.Errorf("lookup: %w", mapError(err))
	}
	rows, err := tx.QueryxContext(ctx, q, pq.Array(idx), pq.Array(kinds), pq.Array(values),
		pq.Array(nidx), pq.Array(nets), v.Org, v.Tier, limit, after.Value, after.ID, maxBytes, after.Creator)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", mapError(err))
	}
	defer rows.Close()
	var out []hub.LookupHit
	for rows.Next() {
		var h hub.LookupHit
		var ob pattern.Observable
		var o objectRow
		if err := rows.Scan(&h.Probe, &ob.Kind, &ob.Value, &ob.Path, &ob.Op,
			&o.ID, &o.Modified, &o.Type, &o.CreatedBy, &o.Received, &o.Revoked, &o.Raw); err != nil {
			return nil, fmt.Errorf("lookup: scan: %w", mapError(err))
		}
		h.Observable, h.Object = ob, o.version()
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lookup: %w", mapError(err))
	}
	return out, nil
}
