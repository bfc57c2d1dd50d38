package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
)

var _ hub.QueryStore = (*DB)(nil)

// objectColumns are the columns every read path returns, in the order
// objectRow scans them.
const objectColumns = `o.id, o.modified, o.type, o.created_by, o.received, o.revoked, o.raw`

// objectRow is one object version as read paths scan it.
type objectRow struct {
	ID        string    `db:"id"`
	Modified  string    `db:"modified"`
	Type      string    `db:"type"`
	CreatedBy string    `db:"created_by"`
	Received  time.Time `db:"received"`
	Revoked   bool      `db:"revoked"`
	Raw       []byte    `db:"raw"`
}

// budgetedColumns are objectColumns with the raw bytes only while the
// raws of the rows before stay under the byte budget $param, in the
// order of window w (which the query defines). octet_length reads a
// stored value's size without fetching it, so rows beyond the budget cost
// their metadata only: the page the service cuts at the first raw-less
// row is bounded in bytes whatever the objects' sizes.
func budgetedColumns(param string) string {
	return `o.id, o.modified, o.type, o.created_by, o.received, o.revoked,
		CASE WHEN coalesce(sum(octet_length(o.raw)) OVER w, 0) - octet_length(o.raw) < ` + param + `
		     THEN o.raw END AS raw`
}

func (r objectRow) version() hub.ObjectVersion {
	return hub.ObjectVersion{ID: r.ID, Modified: r.Modified, Type: r.Type, CreatedBy: r.CreatedBy,
		Received: r.Received, Revoked: r.Revoked, Raw: r.Raw}
}

func versions(rows []objectRow) []hub.ObjectVersion {
	out := make([]hub.ObjectVersion, len(rows))
	for i, r := range rows {
		out[i] = r.version()
	}
	return out
}

// firstLineage orders the visible versions of one id by lineage (its
// creator, migration 0080): an identity its own org published comes
// first (a participant registered after someone else used its id still
// names itself), then the lineage whose earliest visible version the hub
// received first, ties broken by creator. Reads that answer one version
// of an id take it from that lineage: another org reusing the id later
// cannot shadow it, and the choice depends only on versions the viewer
// ($3, $4 in both queries) may see.
const firstLineage = `o.created_by = o.id DESC, (SELECT min(f.received) FROM objects f
		    WHERE f.id = o.id AND f.created_by = o.created_by
		      AND jag_visible(f.tlp, f.recipients, f.created_by, $3, $4)), o.created_by`

// Object returns one visible version of id ($2 = "" for the latest of the
// first lineage, firstLineage; with a version, that version of the first
// lineage holding it).
// Latest means greatest modified time; versions whose times differ only
// below PostgreSQL's microsecond precision are ordered by their text.
func (db *DB) Object(ctx context.Context, v hub.Viewer, id, modified string) (hub.ObjectVersion, error) {
	const q = `SELECT ` + objectColumns + `
		FROM objects o
		WHERE o.id = $1 AND ($2 = '' OR o.modified = $2)
		  AND jag_visible(o.tlp, o.recipients, o.created_by, $3, $4)
		ORDER BY ` + firstLineage + `, o.modified_at DESC, o.modified DESC
		LIMIT 1`
	var r objectRow
	if err := db.db.GetContext(ctx, &r, q, id, modified, v.Org, v.Tier); err != nil {
		return hub.ObjectVersion{}, fmt.Errorf("get object: %w", mapError(err))
	}
	return r.version(), nil
}

// ObjectVersions returns up to limit visible versions of id, every
// lineage's, oldest first (ties by creator), strictly after the visible
// version (after.Modified, after.Creator) when after is non-nil; raws only
// within maxBytes (budgetedColumns). A cursor naming a missing or hidden
// version returns nothing, like the end of the list.
func (db *DB) ObjectVersions(ctx context.Context, v hub.Viewer, id string, after *hub.Cursor, limit int, maxBytes int64) ([]hub.ObjectVersion, error) {
	q := `SELECT ` + budgetedColumns("$6") + `
		FROM objects o
		WHERE o.id = $1 AND jag_visible(o.tlp, o.recipients, o.created_by, $2, $3)
		  AND ($4::text IS NULL OR (o.modified_at, o.modified, o.created_by) > (
		        SELECT c.modified_at, c.modified, c.created_by FROM objects c
		        WHERE c.id = $1 AND c.modified = $4 AND c.created_by = $7
		          AND jag_visible(c.tlp, c.recipients, c.created_by, $2, $3)))
		WINDOW w AS (ORDER BY o.modified_at, o.modified, o.created_by ROWS UNBOUNDED PRECEDING)
		ORDER BY o.modified_at, o.modified, o.created_by
		LIMIT $5`
	var afterModified, afterCreator any
	if after != nil {
		afterModified, afterCreator = after.Modified, after.Creator
	}
	var rows []objectRow
	if err := db.db.SelectContext(ctx, &rows, q, id, v.Org, v.Tier, afterModified, limit, maxBytes, afterCreator); err != nil {
		return nil, fmt.Errorf("list object versions: %w", mapError(err))
	}
	return versions(rows), nil
}

// searchFilters are the history-search conditions on objects o: the
// visibility rule, then every filter as a "$n IS NULL OR …" term (lib/pq
// sends unnamed statements, so PostgreSQL plans each call with its actual
// values and the unused terms fold away), then the keyset cursor (its
// prefix on the objects_received columns first, so it bounds the index
// range; the creator breaks ties between lineages).
const searchFilters = `jag_visible(o.tlp, o.recipients, o.created_by, $1, $2)
		  AND ($3::text IS NULL OR o.type = $3)
		  AND ($4::text IS NULL OR o.created_by = $4)
		  AND ($5::text IS NULL OR $5 = ANY (o.labels))
		  AND ($6::timestamptz IS NULL OR o.received > $6)
		  AND ($7::timestamptz IS NULL OR o.received < $7)
		  AND ($8::timestamptz IS NULL OR o.modified_at > $8)
		  AND ($9::timestamptz IS NULL OR (o.valid_from <= $9 AND (o.valid_until IS NULL OR o.valid_until > $9)))
		  AND ($10::boolean IS NULL OR o.revoked = $10)
		  AND ($11::text IS NULL OR o.name ILIKE $11 OR o.description ILIKE $11)
		  AND ($12::timestamptz IS NULL OR ((o.received, o.id, o.modified) >= ($12, $13, $14)
		        AND (o.received, o.id, o.modified, o.created_by) > ($12, $13, $14, $17)))`

// searchAll pages through objects in the order of the objects_received
// index: a page costs an index range scan.
var searchAll = `SELECT ` + budgetedColumns("$16") + `
		FROM objects o
		WHERE ` + searchFilters + `
		WINDOW w AS (ORDER BY o.received, o.id, o.modified, o.created_by ROWS UNBOUNDED PRECEDING)
		ORDER BY o.received, o.id, o.modified, o.created_by
		LIMIT $15`

// searchObservable starts from the few versions whose observables match
// (the value index for exact values and parent domains, the GiST index for
// addresses inside networks) and sorts them. Materialising that set keeps
// the planner from walking the whole received index in order in the hope
// of meeting a rare match early.
var searchObservable = `WITH matched AS MATERIALIZED (
		    SELECT ob.object_id, ob.modified, ob.created_by FROM observables ob WHERE ob.kind = ANY ($18) AND ob.value = ANY ($19)
		  UNION
		    SELECT ob.object_id, ob.modified, ob.created_by FROM observables ob WHERE ob.net >>= $20::inet
		)
		SELECT ` + budgetedColumns("$16") + `
		FROM matched m
		JOIN objects o ON o.id = m.object_id AND o.modified = m.modified AND o.created_by = m.created_by
		WHERE ` + searchFilters + `
		WINDOW w AS (ORDER BY o.received, o.id, o.modified, o.created_by ROWS UNBOUNDED PRECEDING)
		ORDER BY o.received, o.id, o.modified, o.created_by
		LIMIT $15`

// SearchObjects is the history search: visible versions matching f, in
// (received, id, modified) order strictly after the cursor; raws only
// within maxBytes (budgetedColumns).
func (db *DB) SearchObjects(ctx context.Context, v hub.Viewer, f hub.ObjectFilter, after *hub.Cursor, limit int, maxBytes int64) ([]hub.ObjectVersion, error) {
	args := []any{v.Org, v.Tier,
		nullString(f.Type), nullString(f.CreatedBy), nullString(f.Label),
		nullTime(f.AddedAfter), nullTime(f.AddedBefore), nullTime(f.ModifiedAfter), nullTime(f.ValidAt),
		f.Revoked, nil, nil, nil, nil, limit, maxBytes, ""}
	if f.Text != "" {
		args[10] = "%" + escapeLike(f.Text) + "%"
	}
	if after != nil {
		args[11], args[12], args[13], args[16] = after.Received, after.ID, after.Modified, after.Creator
	}
	q := searchAll
	if p := f.Observable; p != nil {
		q = searchObservable
		args = append(args, pq.Array(p.Kinds), pq.Array(p.Values), nullString(p.Net))
	}
	var rows []objectRow
	if err := db.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("search objects: %w", mapError(err))
	}
	return versions(rows), nil
}

// nullString is nil for "" so the filter's IS NULL term applies.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime is nil for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// escapeLike quotes the LIKE metacharacters of s (backslash is the
// default escape character).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// provenanceRow is a version with its signature, signer and submission.
type provenanceRow struct {
	objectRow
	SHA256             []byte    `db:"sha256"`
	Signature          string    `db:"signature"`
	KID                string    `db:"kid"`
	Signer             string    `db:"signer"`
	SignerName         string    `db:"signer_name"`
	SubmissionID       string    `db:"submission_id"`
	SubmissionOrg      string    `db:"submission_org"`
	SubmissionReceived time.Time `db:"submission_received"`
	Receipt            string    `db:"receipt"`
}

// Provenance returns one visible version ($2 = "" for the latest) with
// what proves its origin.
func (db *DB) Provenance(ctx context.Context, v hub.Viewer, id, modified string) (hub.Provenance, error) {
	const q = `SELECT ` + objectColumns + `, o.sha256, o.signature, o.kid,
		       coalesce(k.participant_id, '') AS signer, coalesce(p.name, '') AS signer_name,
		       s.id AS submission_id, s.org AS submission_org, s.received AS submission_received, s.receipt
		FROM objects o
		JOIN submissions s ON s.id = o.submission
		LEFT JOIN participant_keys k ON k.kid = o.kid
		LEFT JOIN participants p ON p.id = k.participant_id
		WHERE o.id = $1 AND ($2 = '' OR o.modified = $2)
		  AND jag_visible(o.tlp, o.recipients, o.created_by, $3, $4)
		ORDER BY ` + firstLineage + `, o.modified_at DESC, o.modified DESC
		LIMIT 1`
	var r provenanceRow
	if err := db.db.GetContext(ctx, &r, q, id, modified, v.Org, v.Tier); err != nil {
		return hub.Provenance{}, fmt.Errorf("get provenance: %w", mapError(err))
	}
	return hub.Provenance{
		Object:     r.version(),
		SHA256:     r.SHA256,
		Signature:  r.Signature,
		KID:        r.KID,
		Signer:     r.Signer,
		SignerName: r.SignerName,
		Submission: hub.SubmissionRef{ID: r.SubmissionID, Org: r.SubmissionOrg, Received: r.SubmissionReceived, Receipt: r.Receipt},
	}, nil
}
