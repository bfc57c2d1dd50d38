package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix/pattern"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Identities of the seeded participants.
const (
	orgA = "identity--aaaaaaaa-0000-4000-8000-000000000001"
	orgB = "identity--bbbbbbbb-0000-4000-8000-000000000002"
)

// base is the receive time of seeded rows; offsets in seconds follow.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// seedObject is one object version written straight into the tables (the
// read paths are tested independently of ingest).
type seedObject struct {
	id, modified string
	typ          string // default indicator
	createdBy    string // default orgA
	tlp          string // default green
	recipients   []string
	revoked      bool
	labels       []string
	name, desc   string
	validFrom    time.Time
	validUntil   time.Time
	received     time.Time // default base
	observables  []pattern.Observable
}

// seedDB returns a database with participants orgA and orgB and objs stored.
func seedDB(t *testing.T, objs ...seedObject) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	x := db.SQLX()
	for _, org := range []string{orgA, orgB} {
		if _, err := x.ExecContext(ctx, `INSERT INTO participants (id, name, identity) VALUES ($1, $2, '{}')`, org, "org "+org[10:18]); err != nil {
			t.Fatal(err)
		}
		if _, err := x.ExecContext(ctx, `INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
			VALUES ($1, $2, $3, 'bundle--x', '\x00', 0, 0, 'receipt-of-'||$2)`, submissionOf(org), org, base); err != nil {
			t.Fatal(err)
		}
	}
	insert(t, db, objs...)
	return db
}

func submissionOf(org string) string { return "submission--" + org[10:] }

// insert writes more object versions into db.
func insert(t *testing.T, db *postgres.DB, objs ...seedObject) {
	t.Helper()
	ctx := context.Background()
	x := db.SQLX()
	for _, o := range objs {
		if o.typ == "" {
			o.typ = "indicator"
		}
		if o.createdBy == "" {
			o.createdBy = orgA
		}
		if o.tlp == "" {
			o.tlp = "green"
		}
		if o.received.IsZero() {
			o.received = base
		}
		if o.labels == nil {
			o.labels = []string{}
		}
		mod, err := time.Parse(time.RFC3339Nano, o.modified)
		if err != nil {
			t.Fatal(err)
		}
		raw := fmt.Sprintf(`{"type": %q, "id": %q, "modified": %q, "note": "<&>"}`, o.typ, o.id, o.modified)
		var recipients any
		if o.recipients != nil {
			recipients = pq.Array(o.recipients)
		}
		_, err = x.ExecContext(ctx, `INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, recipients,
			revoked, valid_from, valid_until, labels, name, description, raw, sha256, signature, kid, submission, received)
			VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10, $11, nullif($12, ''), nullif($13, ''), $14, '\x01', 'sig', 'kid-'||$5, $15, $16)`,
			o.id, o.modified, mod, o.typ, o.createdBy, o.tlp, recipients, o.revoked,
			nullTime(o.validFrom), nullTime(o.validUntil), pq.Array(o.labels), o.name, o.desc, []byte(raw), submissionOf(o.createdBy), o.received)
		if err != nil {
			t.Fatalf("insert %s: %v", o.id, err)
		}
		for _, ob := range o.observables {
			var net any
			if ob.Kind == "ipv4" || ob.Kind == "ipv6" {
				net = ob.Value
			}
			if _, err := x.ExecContext(ctx, `INSERT INTO observables (object_id, modified, created_by, kind, value, net, path, op)
				VALUES ($1, $2, $7, $3, $4, $5::inet, $6, '=')`, o.id, o.modified, ob.Kind, ob.Value, net, "path:"+ob.Kind, o.createdBy); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// uid makes the identifier of seeded object n.
func uid(typ string, n int) string { return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n) }

var (
	memberA    = hub.Viewer{Org: orgA, Tier: "member"}
	memberB    = hub.Viewer{Org: orgB, Tier: "member"}
	clientB    = hub.Viewer{Org: orgB, Tier: "client"}
	communityB = hub.Viewer{Org: orgB, Tier: "community"}
	anonymous  = hub.Viewer{}
)

func ids(vs []hub.ObjectVersion) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID + "@" + v.Modified
	}
	return out
}

func TestObject(t *testing.T) {
	t.Parallel()
	ind := uid("indicator", 1)
	db := seedDB(t,
		seedObject{id: ind, modified: "2026-01-01T00:00:00.000Z", tlp: "green"},
		seedObject{id: ind, modified: "2026-01-02T00:00:00.000Z", tlp: "green"},
		seedObject{id: ind, modified: "2026-01-03T00:00:00.000Z", tlp: "amber+strict"}, // latest, members only
	)
	ctx := context.Background()
	tests := []struct {
		name     string
		v        hub.Viewer
		modified string
		want     string // modified of the answer; "" = not found
	}{
		{"member sees latest", memberB, "", "2026-01-03T00:00:00.000Z"},
		{"client sees latest it may see", clientB, "", "2026-01-02T00:00:00.000Z"},
		{"community sees latest it may see", communityB, "", "2026-01-02T00:00:00.000Z"},
		{"anonymous sees nothing green", anonymous, "", ""},
		{"named version", clientB, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"},
		{"hidden named version", clientB, "2026-01-03T00:00:00.000Z", ""},
		{"absent named version", memberB, "2026-01-04T00:00:00.000Z", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := db.Object(ctx, tc.v, ind, tc.modified)
			if tc.want == "" {
				if !errors.Is(err, hub.ErrNotFound) {
					t.Fatalf("err = %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Modified != tc.want {
				t.Fatalf("modified = %s, want %s", o.Modified, tc.want)
			}
			want := fmt.Sprintf(`{"type": "indicator", "id": %q, "modified": %q, "note": "<&>"}`, ind, tc.want)
			if string(o.Raw) != want {
				t.Fatalf("raw = %s, want the stored bytes %s", o.Raw, want)
			}
		})
	}
	if _, err := db.Object(ctx, memberA, uid("indicator", 99), ""); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("absent object: err = %v", err)
	}
	all, err := db.ObjectVersions(ctx, clientB, ind, nil, 100, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(all), []string{ind + "@2026-01-01T00:00:00.000Z", ind + "@2026-01-02T00:00:00.000Z"}; !slices.Equal(got, want) {
		t.Fatalf("versions = %v, want %v", got, want)
	}
	none, err := db.ObjectVersions(ctx, anonymous, ind, nil, 100, 1<<30)
	if err != nil || len(none) != 0 {
		t.Fatalf("anonymous versions = %v, %v", none, err)
	}
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	objs := []seedObject{
		{id: uid("indicator", 1), modified: "2026-01-01T00:00:00Z", labels: []string{"malicious-activity"}, name: "Pegasus C2", received: at(1),
			validFrom: at(-100), validUntil: at(100), observables: []pattern.Observable{{Kind: "ipv4", Value: "10.0.0.0/8"}}},
		{id: uid("indicator", 2), modified: "2026-01-02T00:00:00Z", createdBy: orgB, desc: "a 100% match_here", received: at(2),
			validFrom: at(-100), observables: []pattern.Observable{{Kind: "domain", Value: "example.org"}}},
		{id: uid("indicator", 3), modified: "2026-01-03T00:00:00Z", revoked: true, received: at(3), validFrom: at(10),
			observables: []pattern.Observable{{Kind: "sha256", Value: "ab" + fmt.Sprintf("%062d", 0)}}},
		{id: uid("malware", 4), modified: "2026-01-04T00:00:00Z", typ: "malware", name: "pegasus", received: at(4)},
		{id: uid("indicator", 5), modified: "2026-01-05T00:00:00Z", tlp: "red", recipients: []string{orgA}, received: at(5)},
	}
	db := seedDB(t, objs...)
	probe := func(v string) *hub.Probe {
		p, ok := hub.NewProbe(v)
		if !ok {
			t.Fatalf("probe %q", v)
		}
		return &p
	}
	yes, no := true, false
	n := func(k ...int) []string {
		var out []string
		for _, i := range k {
			out = append(out, objs[i-1].id+"@"+objs[i-1].modified)
		}
		return out
	}
	tests := []struct {
		name string
		v    hub.Viewer
		f    hub.ObjectFilter
		want []string
	}{
		{"all visible to member B", memberB, hub.ObjectFilter{}, n(1, 2, 3, 4)},
		{"red recipient sees red", memberA, hub.ObjectFilter{}, n(1, 2, 3, 4, 5)},
		{"anonymous sees no green", anonymous, hub.ObjectFilter{}, nil},
		{"type", memberB, hub.ObjectFilter{Type: "malware"}, n(4)},
		{"created_by", memberB, hub.ObjectFilter{CreatedBy: orgB}, n(2)},
		{"label", memberB, hub.ObjectFilter{Label: "malicious-activity"}, n(1)},
		{"added_after", memberB, hub.ObjectFilter{AddedAfter: at(2)}, n(3, 4)},
		{"added_before", memberB, hub.ObjectFilter{AddedBefore: at(2)}, n(1)},
		{"modified_after", memberB, hub.ObjectFilter{ModifiedAfter: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}, n(3, 4)},
		{"valid_at", memberB, hub.ObjectFilter{ValidAt: at(0)}, n(1, 2)},
		{"valid_at after valid_until", memberB, hub.ObjectFilter{ValidAt: at(200)}, n(2, 3)},
		{"revoked", memberB, hub.ObjectFilter{Revoked: &yes}, n(3)},
		{"not revoked", memberB, hub.ObjectFilter{Revoked: &no}, n(1, 2, 4)},
		{"q name case-insensitive", memberB, hub.ObjectFilter{Text: "PEGASUS"}, n(1, 4)},
		{"q wildcards are literal", memberB, hub.ObjectFilter{Text: "100% match_"}, n(2)},
		{"q percent alone", memberB, hub.ObjectFilter{Text: "%"}, n(2)},
		{"observable in CIDR", memberB, hub.ObjectFilter{Observable: probe("10.1.2.3")}, n(1)},
		{"observable parent domain", memberB, hub.ObjectFilter{Observable: probe("www.Example.ORG")}, n(2)},
		{"observable hash upper case", memberB, hub.ObjectFilter{Observable: probe("AB" + fmt.Sprintf("%062d", 0))}, n(3)},
		{"observable no match", memberB, hub.ObjectFilter{Observable: probe("192.168.1.1")}, nil},
		{"combined", memberB, hub.ObjectFilter{Type: "indicator", Revoked: &no, Text: "match"}, n(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.SearchObjects(context.Background(), tc.v, tc.f, nil, 100, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); !slices.Equal(g, tc.want) {
				t.Fatalf("got %v\nwant %v", g, tc.want)
			}
		})
	}
}

// Pages follow (received, id, modified) strictly: ties on received and on
// id are split by the rest of the key, and versions received after the
// first page appear once, on a later page.
func TestSearchPagination(t *testing.T) {
	t.Parallel()
	var objs []seedObject
	for i := range 7 {
		// pairs of versions of one id, all received at the same instant
		objs = append(objs,
			seedObject{id: uid("indicator", i), modified: "2026-01-01T00:00:00Z"},
			seedObject{id: uid("indicator", i), modified: "2026-01-02T00:00:00Z"},
		)
	}
	objs = append(objs, seedObject{id: uid("indicator", 50), modified: "2026-01-01T00:00:00Z", tlp: "red", recipients: []string{orgA}})
	db := seedDB(t, objs...)
	ctx := context.Background()
	var seen []string
	var after *hub.Cursor
	for page := 0; ; page++ {
		vs, err := db.SearchObjects(ctx, memberB, hub.ObjectFilter{}, after, 3, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ids(vs)...)
		if page == 1 {
			// a later arrival, and one received before the cursor: the
			// first appears once, on a later page; the second is behind
			// the cursor and never returned.
			insert(t, db,
				seedObject{id: uid("indicator", 90), modified: "2026-01-01T00:00:00Z", received: base.Add(time.Second)},
				seedObject{id: uid("indicator", 80), modified: "2026-01-01T00:00:00Z", received: base.Add(-time.Second)},
			)
		}
		if len(vs) < 3 {
			break
		}
		last := vs[len(vs)-1]
		after = &hub.Cursor{Received: last.Received, ID: last.ID, Modified: last.Modified, Creator: last.CreatedBy}
		// round-trip through the opaque form, as clients do
		c, err := hub.ParseCursor(after.Encode())
		if err != nil {
			t.Fatal(err)
		}
		after = &c
	}
	var want []string
	for i := range 7 {
		want = append(want, uid("indicator", i)+"@2026-01-01T00:00:00Z", uid("indicator", i)+"@2026-01-02T00:00:00Z")
	}
	want = append(want, uid("indicator", 90)+"@2026-01-01T00:00:00Z")
	if !slices.Equal(seen, want) {
		t.Fatalf("pages gave\n%v\nwant\n%v", seen, want)
	}
}

func TestProvenanceRow(t *testing.T) {
	t.Parallel()
	ind := uid("indicator", 1)
	db := seedDB(t,
		seedObject{id: ind, modified: "2026-01-01T00:00:00Z", createdBy: orgB, tlp: "amber"},
	)
	ctx := context.Background()
	p, err := db.Provenance(ctx, clientB, ind, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Object.ID != ind || p.Signature != "sig" || p.KID != "kid-"+orgB || p.Submission.ID != submissionOf(orgB) ||
		p.Submission.Org != orgB || p.Submission.Receipt != "receipt-of-"+orgB || !p.Submission.Received.Equal(base) {
		t.Fatalf("provenance = %+v", p)
	}
	if p.Signer != "" {
		t.Fatalf("signer of an unregistered kid = %q, want empty", p.Signer)
	}
	if _, err := db.Provenance(ctx, communityB, ind, ""); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("hidden provenance: err = %v, want ErrNotFound", err)
	}
	if _, err := db.Provenance(ctx, clientB, ind, "2026-01-02T00:00:00Z"); !errors.Is(err, hub.ErrNotFound) {
		t.Fatalf("absent version: err = %v, want ErrNotFound", err)
	}
}
