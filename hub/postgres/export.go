package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
)

var _ hub.ExportStore = (*DB)(nil)

// exportFetch is how many rows one FETCH of an export cursor returns:
// the client side holds at most this many rows at a time.
const exportFetch = 1000

// exportStatementTimeout bounds each statement of an export; the first
// FETCH of a sorted export does the whole sort, which may take longer
// than the pool's statement timeout for a million indicators.
const exportStatementTimeout = "300s"

// exportWorkMem is the memory of each sort of an export on the server.
const exportWorkMem = "32MB"

// ExportPosition implements hub.ExportStore. It answers every
// conditional poll, so its statement is prepared (one round trip).
func (db *DB) ExportPosition(ctx context.Context, v hub.Viewer, f export.Filter) (int64, time.Time, error) {
	st, err := db.prepared(ctx, exportPositionQuery)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("export position: %w", err)
	}
	return scanExportPosition(st.QueryRowxContext(ctx, exportPositionArgs(v, f)...))
}

// exportPositionQuery reads the export_positions classes (one row per
// tlp, recipients and creator) the viewer ($1 org, $2 tier) may see under
// jag_visible — the one visibility rule — and that the filter's creators
// ($3) and TLP ceiling ($4) allow.
const exportPositionQuery = `SELECT coalesce(max(p.max_seq), 0), coalesce(max(p.max_received), 'epoch')
		FROM export_positions p
		WHERE jag_visible(p.tlp, p.recipients, p.created_by, $1, $2)
		  AND ($3::text[] IS NULL OR p.created_by = ANY ($3))
		  AND ($4::text[] IS NULL OR p.tlp = ANY ($4))`

func exportPositionArgs(v hub.Viewer, f export.Filter) []any {
	return []any{v.Org, v.Tier, nullArray(f.Creators), nullArray(f.TLPRanks())}
}

// scanExportPosition reads the answer of exportPositionQuery: the
// position and receive time, both zero when no class is visible.
func scanExportPosition(row *sqlx.Row) (int64, time.Time, error) {
	var pos int64
	var received time.Time
	if err := row.Scan(&pos, &received); err != nil {
		return 0, time.Time{}, fmt.Errorf("export position: %w", mapError(err))
	}
	if pos == 0 {
		return 0, time.Time{}, nil
	}
	return pos, received.UTC(), nil
}

// exportMatching is the set of indicators an export considers, whatever
// their validity and observables: the latest version of every indicator
// lineage (id and creator, migration 0080) the viewer may see (jag_visible; a hidden later version leaves the
// visible one the latest), kept when it passes the filters. $1 org, $2
// tier, $3 labels, $4 creators, $5 min confidence, $6 TLP names, $7
// include revoked.
const exportMatching = `matching AS (
		    SELECT o.id, o.modified, o.created_by, o.tlp, o.confidence, o.valid_from, o.valid_until, o.labels, o.revoked
		    FROM objects o
		    WHERE o.type = 'indicator' AND jag_visible(o.tlp, o.recipients, o.created_by, $1, $2)
		      AND NOT EXISTS (
		            SELECT 1 FROM objects l
		            WHERE l.type = 'indicator' AND l.id = o.id AND l.created_by = o.created_by
		              AND (l.modified_at, l.modified) > (o.modified_at, o.modified)
		              AND jag_visible(l.tlp, l.recipients, l.created_by, $1, $2))
		      AND ($3::text[] IS NULL OR o.labels && $3)
		      AND ($4::text[] IS NULL OR o.created_by = ANY ($4))
		      AND ($5::int IS NULL OR o.confidence >= $5)
		      AND ($6::text[] IS NULL OR o.tlp = ANY ($6))
		      AND ($7 OR NOT o.revoked)
		)`

// exportValidAt is the validity condition on matching indicator v at $9.
const exportValidAt = `(v.valid_from IS NULL OR v.valid_from <= $9)
		  AND (v.valid_until IS NULL OR v.valid_until > $9)`

// exportHasKind keeps indicator v when it names an observable of the
// kinds $8 (any when NULL).
const exportHasKind = `($8::text[] IS NULL OR EXISTS (
		        SELECT 1 FROM observables ob
		        WHERE ob.object_id = v.id AND ob.modified = v.modified AND ob.created_by = v.created_by
		          AND ob.kind = ANY ($8)))`

// exportBoundaries finds the validity boundaries around $9 among the
// matching indicators that name an exported kind: the export changes at
// the next one even when no new version arrives.
const exportBoundaries = `WITH ` + exportMatching + `
		SELECT max(b.t) FILTER (WHERE b.t <= $9), min(b.t) FILTER (WHERE b.t > $9)
		FROM matching v, LATERAL (VALUES (v.valid_from), (v.valid_until)) AS b (t)
		WHERE ` + exportHasKind

// exportValues is NeedValues: distinct values in the promised order.
const exportValues = `WITH ` + exportMatching + `
		SELECT DISTINCT ob.net IS NULL AS named, ob.net, ob.kind = 'domain' AND ob.value ~ '[^\x01-\x7f]' AS idn,
		       ob.kind, ob.value COLLATE "C" AS value
		FROM observables ob
		JOIN matching v ON v.id = ob.object_id AND v.modified = ob.modified AND v.created_by = ob.created_by
		WHERE ob.kind = ANY ($8) AND ` + exportValidAt + `
		ORDER BY named, ob.net, idn DESC, ob.kind, value`

// exportRows is NeedRows: one row per (indicator, distinct observable).
const exportRows = `WITH ` + exportMatching + `
		SELECT DISTINCT v.id, v.modified, v.created_by, v.tlp, v.confidence, v.valid_from, v.valid_until,
		       v.labels, v.revoked, ob.kind, ob.value COLLATE "C" AS value
		FROM observables ob
		JOIN matching v ON v.id = ob.object_id AND v.modified = ob.modified AND v.created_by = ob.created_by
		WHERE ($8::text[] IS NULL OR ob.kind = ANY ($8)) AND ` + exportValidAt + `
		ORDER BY v.id, v.created_by, ob.kind, value`

// exportIndicators is NeedIndicators: every indicator with its original bytes.
const exportIndicators = `WITH ` + exportMatching + `
		SELECT v.id, v.modified, v.created_by, v.tlp, v.confidence, v.valid_from, v.valid_until,
		       v.labels, v.revoked, o.raw
		FROM matching v
		JOIN objects o ON o.id = v.id AND o.modified = v.modified AND o.created_by = v.created_by
		WHERE ` + exportValidAt + ` AND ` + exportHasKind + `
		ORDER BY v.id, v.created_by`

// Export runs an export in one REPEATABLE READ, read-only transaction, so
// the position, the boundaries and the rows are one snapshot, and
// streams the rows through a cursor exportFetch at a time.
func (db *DB) Export(ctx context.Context, v hub.Viewer, q hub.ExportQuery, begin func(export.Version) error, emit func(*export.Record) error) error {
	tx, err := db.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("export: %w", mapError(err))
	}
	defer tx.Rollback()
	// JIT compilation costs seconds on these one-off scans; the sorts get
	// more memory than the pool's default before they spill; parallel
	// workers would each recompute the latest versions, so one export
	// keeps to one backend.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true),
		set_config('work_mem', $2, true), set_config('max_parallel_workers_per_gather', '0', true)`, exportStatementTimeout, exportWorkMem); err != nil {
		return fmt.Errorf("export: %w", mapError(err))
	}
	var ver export.Version
	f := q.Filter
	if ver.Position, ver.Received, err = scanExportPosition(tx.QueryRowxContext(ctx, exportPositionQuery, exportPositionArgs(v, f)...)); err != nil {
		return err
	}
	var minConf any
	if f.MinConfidence != nil {
		minConf = *f.MinConfidence
	}
	args := []any{v.Org, v.Tier, nullArray(f.Labels), nullArray(f.Creators), minConf, nullArray(f.TLPRanks()),
		f.IncludeRevoked, nullArray(q.Kinds), q.At}
	if _, ok := f.Kinds(q.Format); !ok {
		// the format and the types filter do not intersect: nothing matches
		args[7] = pq.Array([]string{})
	}
	var last, next sql.NullTime
	if err := tx.QueryRowContext(ctx, exportBoundaries, args...).Scan(&last, &next); err != nil {
		return fmt.Errorf("export boundaries: %w", mapError(err))
	}
	ver.LastBoundary, ver.NextBoundary = last.Time, next.Time
	if err := begin(ver); err != nil {
		return err
	}
	var query string
	switch q.Format.Need() {
	case export.NeedValues:
		query = exportValues
	case export.NeedRows:
		query = exportRows
	default:
		query = exportIndicators
	}
	if _, err := tx.ExecContext(ctx, `DECLARE export_rows NO SCROLL CURSOR FOR `+query, args...); err != nil {
		return fmt.Errorf("export: %w", mapError(err))
	}
	for {
		n, err := exportPage(ctx, tx, q.Format.Need(), emit)
		if err != nil {
			return err
		}
		if n < exportFetch {
			return nil
		}
	}
}

// exportPage fetches and emits one page of the export cursor.
func exportPage(ctx context.Context, tx *sqlx.Tx, need export.Need, emit func(*export.Record) error) (int, error) {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM export_rows`, exportFetch))
	if err != nil {
		return 0, fmt.Errorf("export: %w", mapError(err))
	}
	defer rows.Close()
	n := 0
	var r export.Record
	for rows.Next() {
		n++
		r = export.Record{}
		var labels pq.StringArray
		var conf sql.NullInt64
		var from, until sql.NullTime
		switch need {
		case export.NeedValues:
			var named, idn bool
			var net sql.NullString
			err = rows.Scan(&named, &net, &idn, &r.Kind, &r.Value)
		case export.NeedRows:
			err = rows.Scan(&r.ID, &r.Modified, &r.CreatedBy, &r.TLP, &conf, &from, &until, &labels, &r.Revoked, &r.Kind, &r.Value)
		default:
			err = rows.Scan(&r.ID, &r.Modified, &r.CreatedBy, &r.TLP, &conf, &from, &until, &labels, &r.Revoked, &r.Raw)
		}
		if err != nil {
			return n, fmt.Errorf("export: scan: %w", mapError(err))
		}
		if conf.Valid {
			c := int(conf.Int64)
			r.Confidence = &c
		}
		r.ValidFrom, r.ValidUntil, r.Labels = from.Time, until.Time, labels
		if err := emit(&r); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export: %w", mapError(err))
	}
	return n, nil
}

// exportDefinitionRow is one export_definitions row.
type exportDefinitionRow struct {
	Name      string    `db:"name"`
	Format    string    `db:"format"`
	Filter    string    `db:"filter"`
	CreatedBy string    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (r exportDefinitionRow) definition() (hub.ExportDefinition, error) {
	vals, err := url.ParseQuery(r.Filter)
	if err != nil {
		return hub.ExportDefinition{}, fmt.Errorf("export definition %s: stored filter: %w", r.Name, err)
	}
	f, err := export.ParseFilter(vals)
	if err != nil {
		return hub.ExportDefinition{}, fmt.Errorf("export definition %s: stored filter: %w", r.Name, err)
	}
	return hub.ExportDefinition{Name: r.Name, Format: export.Format(r.Format), Filter: f, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

const exportDefinitionColumns = `name, format, filter, created_by, created_at, updated_at`

// ExportDefinition returns one named definition.
func (db *DB) ExportDefinition(ctx context.Context, name string) (hub.ExportDefinition, error) {
	var r exportDefinitionRow
	if err := db.db.GetContext(ctx, &r, `SELECT `+exportDefinitionColumns+` FROM export_definitions WHERE name = $1`, name); err != nil {
		return hub.ExportDefinition{}, fmt.Errorf("get export definition: %w", mapError(err))
	}
	return r.definition()
}

// ExportDefinitions returns every definition by name.
func (db *DB) ExportDefinitions(ctx context.Context) ([]hub.ExportDefinition, error) {
	var rows []exportDefinitionRow
	if err := db.db.SelectContext(ctx, &rows, `SELECT `+exportDefinitionColumns+` FROM export_definitions ORDER BY name`); err != nil {
		return nil, fmt.Errorf("list export definitions: %w", mapError(err))
	}
	out := make([]hub.ExportDefinition, 0, len(rows))
	for _, r := range rows {
		d, err := r.definition()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PutExportDefinition creates or replaces a definition; created_by and
// created_at of a replaced one stay.
func (db *DB) PutExportDefinition(ctx context.Context, d hub.ExportDefinition) (bool, error) {
	const q = `INSERT INTO export_definitions (name, format, filter, created_by)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET format = excluded.format, filter = excluded.filter, updated_at = now()
		RETURNING xmax = 0`
	var created bool
	if err := db.db.QueryRowContext(ctx, q, d.Name, string(d.Format), d.Filter.Query(), d.CreatedBy).Scan(&created); err != nil {
		return false, fmt.Errorf("put export definition: %w", mapError(err))
	}
	return created, nil
}

// DeleteExportDefinition removes a definition.
func (db *DB) DeleteExportDefinition(ctx context.Context, name string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM export_definitions WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete export definition: %w", mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete export definition: %w", mapError(err))
	} else if n == 0 {
		return fmt.Errorf("delete export definition: %w", hub.ErrNotFound)
	}
	return nil
}
