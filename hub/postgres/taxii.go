package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// TAXII 2.1 storage: date_added (migration 0060), collections and status
// resources (0061), and the collection read path.

var (
	_ hub.CollectionStore  = (*DB)(nil)
	_ hub.CollectionReader = (*DB)(nil)
	_ hub.StatusStore      = (*DB)(nil)
)

// stampDateAdded gives the versions ids[i]/mods[i] of org's lineages their
// TAXII date_added,
// in that order, as max(previous + 1 µs, clock_timestamp()). It must run
// under feedAppendLock, which is what makes date_added strictly increasing
// in commit order: the previous holder of the lock has committed (and its
// rows are visible to this statement's snapshot) before this one can draw.
func stampDateAdded(ctx context.Context, tx *sqlx.Tx, org string, ids, mods []string) error {
	const q = `
INSERT INTO object_added (date_added, id, modified, created_by)
SELECT b.t + (v.ord - 1) * interval '1 microsecond', v.id, v.modified, $3
FROM (SELECT greatest(coalesce(max(date_added) + interval '1 microsecond', '-infinity'), clock_timestamp()) AS t
      FROM object_added) b,
     unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(id, modified, ord)`
	if _, err := tx.ExecContext(ctx, q, pq.Array(ids), pq.Array(mods), org); err != nil {
		return fmt.Errorf("stamp date_added: %w", err)
	}
	return nil
}

// collectionRow is one row of taxii_collections.
type collectionRow struct {
	ID            string         `db:"id"`
	Alias         *string        `db:"alias"`
	Title         string         `db:"title"`
	Description   string         `db:"description"`
	Types         pq.StringArray `db:"types"`
	Labels        pq.StringArray `db:"labels"`
	Creators      pq.StringArray `db:"creators"`
	MaxTLP        *string        `db:"max_tlp"`
	MinConfidence *int           `db:"min_confidence"`
	ReadScopes    pq.StringArray `db:"read_scopes"`
	WriteScopes   pq.StringArray `db:"write_scopes"`
	CreatedAt     time.Time      `db:"created_at"`
}

func orEmpty(a []string) pq.StringArray {
	if a == nil {
		return pq.StringArray{}
	}
	return pq.StringArray(a)
}

func nonEmpty(a pq.StringArray) []string {
	if len(a) == 0 {
		return nil
	}
	return []string(a)
}

// CreateCollection implements hub.CollectionStore.
func (db *DB) CreateCollection(ctx context.Context, c *hub.Collection) error {
	const q = `
INSERT INTO taxii_collections (id, alias, title, description, types, labels, creators, max_tlp, min_confidence,
                               read_scopes, write_scopes, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	if c.ID == hub.DefaultCollectionID || c.Alias == hub.DefaultCollection().Alias {
		return fmt.Errorf("create collection: %w", hub.ErrCollectionExists)
	}
	f := &c.Filter
	_, err := db.db.ExecContext(ctx, q, c.ID, nullString(c.Alias), c.Title, c.Description,
		orEmpty(f.Types), orEmpty(f.Labels), orEmpty(f.Creators), nullString(string(f.MaxTLP)), f.MinConfidence,
		orEmpty(c.ReadScopes), orEmpty(c.WriteScopes), c.Created)
	if isUniqueViolation(err) {
		return fmt.Errorf("create collection: %w", hub.ErrCollectionExists)
	}
	if err != nil {
		return fmt.Errorf("create collection: %w", mapError(err))
	}
	return nil
}

// Collections implements hub.CollectionStore.
func (db *DB) Collections(ctx context.Context) ([]hub.Collection, error) {
	const q = `
SELECT id, alias, title, description, types, labels, creators, max_tlp, min_confidence, read_scopes, write_scopes, created_at
FROM taxii_collections ORDER BY created_at, id`
	var rows []collectionRow
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("list collections: %w", mapError(err))
	}
	out := make([]hub.Collection, len(rows))
	for i, r := range rows {
		c := hub.Collection{ID: r.ID, Title: r.Title, Description: r.Description,
			ReadScopes: nonEmpty(r.ReadScopes), WriteScopes: nonEmpty(r.WriteScopes), Created: r.CreatedAt,
			Filter: hub.CollectionFilter{Types: nonEmpty(r.Types), Labels: nonEmpty(r.Labels), Creators: nonEmpty(r.Creators),
				MinConfidence: r.MinConfidence}}
		if r.Alias != nil {
			c.Alias = *r.Alias
		}
		if r.MaxTLP != nil {
			c.Filter.MaxTLP = stix.TLP(*r.MaxTLP)
		}
		out[i] = c
	}
	return out, nil
}

// DeleteCollection implements hub.CollectionStore.
func (db *DB) DeleteCollection(ctx context.Context, id string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM taxii_collections WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete collection: %w", mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete collection %s: %w", id, hub.ErrNotFound)
	}
	return nil
}

// collectionTerms is the collection filter on objects o (the SQL twin of
// hub.CollectionFilter.Admits), placeholders $3 to $7.
const collectionTerms = `($3::text[] IS NULL OR %[1]s.type = ANY ($3))
  AND ($4::text[] IS NULL OR %[1]s.labels && $4)
  AND ($5::text[] IS NULL OR %[1]s.created_by = ANY ($5))
  AND ($6::int IS NULL OR array_position(ARRAY['clear', 'green', 'amber', 'amber+strict', 'red'], %[1]s.tlp) <= $6)
  AND ($7::int IS NULL OR %[1]s.confidence >= $7)`

// inCollection is a version of the collection that viewer ($1, $2) may
// see: the one visibility rule, then the collection's filter.
var inCollection = func(alias string) string {
	return fmt.Sprintf(`jag_visible(%[1]s.tlp, %[1]s.recipients, %[1]s.created_by, $1, $2) AND `+collectionTerms, alias)
}

// collectionEntries reads entries in date_added order. "first" and "last"
// are decided among the versions of the object that the viewer may see
// in the collection (ordered like every read path: modified time, then
// the modified text).
//
// $17 is the byte budget (NULL for none): from the running total of the
// raw bytes, the read returns the entries that fit in the budget (at
// least one) and the one after them, which tells the caller that more
// follow, so one read never loads Limit large objects (the window streams
// in date_added order under the LIMIT; rows past the budget are dropped
// before their raw bytes are sent).
var collectionEntries = `
SELECT date_added, id, modified, type, created_by, received, revoked, raw
FROM (
SELECT a.date_added, o.id, o.modified, o.type, o.created_by, o.received, o.revoked,
       CASE WHEN $15 THEN o.raw ELSE '' END AS raw,
       coalesce(sum(CASE WHEN $15 THEN octet_length(o.raw) ELSE 0 END)
                  OVER (ORDER BY a.date_added ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
       row_number() OVER (ORDER BY a.date_added) AS n
FROM object_added a
JOIN objects o ON o.id = a.id AND o.modified = a.modified AND o.created_by = a.created_by
WHERE a.date_added > $8
  AND ($9::text[] IS NULL OR o.id = ANY ($9))
  AND ($10::text[] IS NULL OR o.type = ANY ($10))
  AND ` + inCollection("o") + `
  AND ($11
       OR ($12::timestamptz[] IS NOT NULL AND o.modified_at = ANY ($12))
       OR ($13 AND NOT EXISTS (
             SELECT 1 FROM objects n
             WHERE n.id = o.id AND n.created_by = o.created_by AND (n.modified_at, n.modified) > (o.modified_at, o.modified)
               AND ` + inCollection("n") + `))
       OR ($14 AND NOT EXISTS (
             SELECT 1 FROM objects n
             WHERE n.id = o.id AND n.created_by = o.created_by AND (n.modified_at, n.modified) < (o.modified_at, o.modified)
               AND ` + inCollection("n") + `)))
ORDER BY a.date_added
LIMIT $16) page
WHERE $17::bigint IS NULL OR n <= 2 OR before <= $17
ORDER BY date_added`

// entryRow is one row of collectionEntries.
type entryRow struct {
	objectRow
	DateAdded time.Time `db:"date_added"`
}

// CollectionEntries implements hub.CollectionReader. A poll after the
// newest date_added (the common answer to a poller: nothing new) is
// answered by one index probe, without planning the collection query.
func (db *DB) CollectionEntries(ctx context.Context, v hub.Viewer, f *hub.CollectionFilter, q *hub.CollectionQuery) ([]hub.CollectionEntry, error) {
	if !q.After.IsZero() {
		var newer bool
		const probe = `SELECT EXISTS (SELECT 1 FROM object_added WHERE date_added > $1)`
		if err := db.db.GetContext(ctx, &newer, probe, q.After); err != nil {
			return nil, fmt.Errorf("read collection: %w", mapError(err))
		}
		if !newer {
			return nil, nil
		}
	}
	var maxTLP any
	if f.MaxTLP != "" {
		maxTLP = f.MaxTLP.Rank() + 1 // array_position is 1-based
	}
	var minConf any
	if f.MinConfidence != nil {
		minConf = *f.MinConfidence
	}
	m := q.Versions
	if m.IsZero() {
		m.Last = true
	}
	var at any
	if len(m.At) > 0 {
		at = pq.Array(m.At)
	}
	var maxBytes any
	if q.MaxBytes > 0 && !q.WithoutRaw {
		maxBytes = q.MaxBytes
	}
	after := q.After
	if after.IsZero() {
		after = time.Unix(0, 0)
	}
	args := []any{v.Org, v.Tier,
		nullArray(f.Types), nullArray(f.Labels), nullArray(f.Creators), maxTLP, minConf,
		after, nullArray(q.IDs), nullArray(q.Types),
		m.All, at, m.Last, m.First, !q.WithoutRaw, q.Limit, maxBytes}
	var rows []entryRow
	if err := db.db.SelectContext(ctx, &rows, collectionEntries, args...); err != nil {
		return nil, fmt.Errorf("read collection: %w", mapError(err))
	}
	out := make([]hub.CollectionEntry, len(rows))
	for i, r := range rows {
		out[i] = hub.CollectionEntry{ObjectVersion: r.version(), DateAdded: r.DateAdded}
		if q.WithoutRaw {
			out[i].Raw = nil
		}
	}
	return out, nil
}

// nullArray is NULL for an empty list, so the IS NULL term applies.
func nullArray(a []string) any {
	if len(a) == 0 {
		return nil
	}
	return pq.Array(a)
}

// SaveStatus implements hub.StatusStore.
func (db *DB) SaveStatus(ctx context.Context, s *hub.EnvelopeStatus) error {
	const q = `
INSERT INTO taxii_status (id, org, collection, requested, expires, successes, failures, pendings)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	docs := make([]any, 3)
	for i, d := range [][]hub.StatusDetail{s.Successes, s.Failures, s.Pendings} {
		if d == nil {
			d = []hub.StatusDetail{}
		}
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("save status: %w", err)
		}
		docs[i] = b
	}
	if _, err := db.db.ExecContext(ctx, q, s.ID, s.Org, s.Collection, s.Requested, s.Expires, docs[0], docs[1], docs[2]); err != nil {
		return fmt.Errorf("save status: %w", mapError(err))
	}
	return nil
}

// EnvelopeStatus implements hub.StatusStore.
func (db *DB) EnvelopeStatus(ctx context.Context, org, id string) (hub.EnvelopeStatus, error) {
	const q = `
SELECT id::text, org, collection, requested, expires, successes, failures, pendings
FROM taxii_status WHERE id = $1::uuid AND org = $2 AND expires > $3`
	var r struct {
		ID         string    `db:"id"`
		Org        string    `db:"org"`
		Collection string    `db:"collection"`
		Requested  time.Time `db:"requested"`
		Expires    time.Time `db:"expires"`
		Successes  []byte    `db:"successes"`
		Failures   []byte    `db:"failures"`
		Pendings   []byte    `db:"pendings"`
	}
	if err := db.db.GetContext(ctx, &r, q, id, org, db.now()); err != nil {
		return hub.EnvelopeStatus{}, fmt.Errorf("get status: %w", mapError(err))
	}
	s := hub.EnvelopeStatus{ID: r.ID, Org: r.Org, Collection: r.Collection, Requested: r.Requested, Expires: r.Expires}
	for _, d := range []struct {
		raw []byte
		dst *[]hub.StatusDetail
	}{{r.Successes, &s.Successes}, {r.Failures, &s.Failures}, {r.Pendings, &s.Pendings}} {
		if err := json.Unmarshal(d.raw, d.dst); err != nil {
			return hub.EnvelopeStatus{}, fmt.Errorf("get status: %w", err)
		}
		if len(*d.dst) == 0 {
			*d.dst = nil
		}
	}
	return s, nil
}

// PurgeStatuses implements hub.StatusStore.
func (db *DB) PurgeStatuses(ctx context.Context, t time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM taxii_status WHERE expires < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("purge statuses: %w", mapError(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
