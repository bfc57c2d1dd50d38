package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/stix/pattern"
)

// appendEvents appends one feed event per version, in order, as ingest
// does after storing them: under the feed append lock.
func appendEvents(t *testing.T, db *postgres.DB, objs ...seedObject) {
	t.Helper()
	tx, err := db.SQLX().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(7364361)`); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		org := o.createdBy
		if org == "" {
			org = orgA
		}
		rec := o.received
		if rec.IsZero() {
			rec = base
		}
		if _, err := tx.Exec(`INSERT INTO events (object_id, modified, kind, org, received) VALUES ($1, $2, 'object.created', $3, $4)`,
			o.id, o.modified, org, rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// store writes versions and their events.
func store(t *testing.T, db *postgres.DB, objs ...seedObject) {
	t.Helper()
	insert(t, db, objs...)
	appendEvents(t, db, objs...)
}

// runExport returns the version and records of one export.
func runExport(t *testing.T, db *postgres.DB, v hub.Viewer, f export.Format, filter export.Filter, at time.Time) (export.Version, []export.Record) {
	t.Helper()
	kinds, _ := filter.Kinds(f)
	var ver export.Version
	var recs []export.Record
	err := db.Export(context.Background(), v, hub.ExportQuery{Format: f, Filter: filter, At: at, Kinds: kinds},
		func(x export.Version) error { ver = x; return nil },
		func(r *export.Record) error { recs = append(recs, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return ver, recs
}

func values(recs []export.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Value
	}
	return out
}

func TestExportValues(t *testing.T) {
	now := base.Add(24 * time.Hour)
	past, future := base.Add(-time.Hour), now.Add(time.Hour)
	db := seedDB(t)
	store(t, db,
		seedObject{id: uid("indicator", 1), modified: "2026-01-01T00:00:00Z", validFrom: past, labels: []string{"apt"},
			observables: []pattern.Observable{ob("ipv4", "198.51.100.7"), ob("domain", "evil.example"), ob("ipv4", "10.0.0.0/8")}},
		seedObject{id: uid("indicator", 2), modified: "2026-01-01T00:00:00Z", validFrom: past, createdBy: orgB,
			observables: []pattern.Observable{ob("ipv6", "2001:db8::/32"), ob("domain", "bücher.example"), ob("domain", "a.example")}},
		// superseded: only the later version's value is exported
		seedObject{id: uid("indicator", 3), modified: "2026-01-01T00:00:00Z", validFrom: past, observables: []pattern.Observable{ob("ipv4", "203.0.113.9")}},
		seedObject{id: uid("indicator", 3), modified: "2026-01-02T00:00:00Z", validFrom: past, observables: []pattern.Observable{ob("ipv4", "203.0.113.10")}},
		// a later version B may not see leaves the earlier one B's latest
		seedObject{id: uid("indicator", 4), modified: "2026-01-01T00:00:00Z", validFrom: past, observables: []pattern.Observable{ob("ipv4", "203.0.113.11")}},
		seedObject{id: uid("indicator", 4), modified: "2026-01-02T00:00:00Z", validFrom: past, tlp: "red", recipients: []string{orgA},
			observables: []pattern.Observable{ob("ipv4", "203.0.113.12")}},
		// hidden from B entirely
		seedObject{id: uid("indicator", 5), modified: "2026-01-01T00:00:00Z", validFrom: past, tlp: "red", recipients: []string{orgA},
			observables: []pattern.Observable{ob("ipv4", "192.0.2.55"), ob("sha256", strings.Repeat("5", 64))}},
		// revoked, expired, not yet valid
		seedObject{id: uid("indicator", 6), modified: "2026-01-01T00:00:00Z", validFrom: past, revoked: true, observables: []pattern.Observable{ob("ipv4", "192.0.2.66")}},
		seedObject{id: uid("indicator", 7), modified: "2026-01-01T00:00:00Z", validFrom: past, validUntil: now.Add(-time.Minute), observables: []pattern.Observable{ob("ipv4", "192.0.2.77")}},
		seedObject{id: uid("indicator", 8), modified: "2026-01-01T00:00:00Z", validFrom: future, observables: []pattern.Observable{ob("ipv4", "192.0.2.88")}},
		seedObject{id: uid("indicator", 9), modified: "2026-01-01T00:00:00Z", validFrom: past, validUntil: future.Add(time.Hour),
			observables: []pattern.Observable{ob("sha256", strings.Repeat("9", 64)), ob("url", "http://evil.example/x"), ob("email", "a@evil.example")}},
		// not an indicator
		seedObject{id: uid("observed-data", 10), modified: "2026-01-01T00:00:00Z", typ: "observed-data", observables: []pattern.Observable{ob("ipv4", "192.0.2.100")}},
	)
	if _, err := db.SQLX().Exec(`UPDATE objects SET confidence = 90 WHERE id = $1`, uid("indicator", 1)); err != nil {
		t.Fatal(err)
	}

	t.Run("ip", func(t *testing.T) {
		_, recs := runExport(t, db, memberB, export.IP, export.Filter{}, now)
		want := []string{"10.0.0.0/8", "198.51.100.7", "203.0.113.10", "203.0.113.11", "2001:db8::/32"}
		if got := values(recs); !slices.Equal(got, want) {
			t.Errorf("memberB: %q, want %q", got, want)
		}
		_, recs = runExport(t, db, memberA, export.IP, export.Filter{}, now)
		want = []string{"10.0.0.0/8", "192.0.2.55", "198.51.100.7", "203.0.113.10", "203.0.113.12", "2001:db8::/32"}
		if got := values(recs); !slices.Equal(got, want) {
			t.Errorf("memberA: %q, want %q", got, want)
		}
		_, recs = runExport(t, db, anonymous, export.IP, export.Filter{}, now)
		if len(recs) != 0 {
			t.Errorf("anonymous sees %q", values(recs))
		}
		_, recs = runExport(t, db, memberB, export.IP, export.Filter{IncludeRevoked: true}, now)
		if !slices.Contains(values(recs), "192.0.2.66") {
			t.Errorf("include_revoked lacks the revoked value: %q", values(recs))
		}
		_, recs = runExport(t, db, memberB, export.IP, export.Filter{}, future)
		if got := values(recs); !slices.Contains(got, "192.0.2.88") || slices.Contains(got, "192.0.2.77") {
			t.Errorf("at %s: %q", future, got)
		}
	})
	t.Run("domain order", func(t *testing.T) {
		_, recs := runExport(t, db, memberB, export.Domain, export.Filter{}, now)
		if got, want := values(recs), []string{"bücher.example", "a.example", "evil.example"}; !slices.Equal(got, want) {
			t.Errorf("%q, want %q (non-ASCII names first, then byte order)", got, want)
		}
	})
	t.Run("filters", func(t *testing.T) {
		c := 50
		for _, tc := range []struct {
			name string
			f    export.Filter
			want []string
		}{
			{"label", export.Filter{Labels: []string{"apt", "other"}}, []string{"10.0.0.0/8", "198.51.100.7"}},
			{"creator", export.Filter{Creators: []string{orgB}}, []string{"2001:db8::/32"}},
			{"confidence", export.Filter{MinConfidence: &c}, []string{"10.0.0.0/8", "198.51.100.7"}},
			{"tlp ceiling", export.Filter{TLP: "clear"}, nil},
			{"types", export.Filter{Types: []string{"ipv6"}}, []string{"2001:db8::/32"}},
			{"types disjoint", export.Filter{Types: []string{"url"}}, nil},
		} {
			_, recs := runExport(t, db, memberB, export.IP, tc.f, now)
			if got := values(recs); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
	})
	t.Run("rows", func(t *testing.T) {
		_, recs := runExport(t, db, memberB, export.CSV, export.Filter{}, now)
		var got []string
		for _, r := range recs {
			got = append(got, r.ID[len(r.ID)-2:]+" "+r.Kind+" "+r.Value)
		}
		want := []string{"01 domain evil.example", "01 ipv4 10.0.0.0/8", "01 ipv4 198.51.100.7", "02 domain a.example", "02 domain bücher.example",
			"02 ipv6 2001:db8::/32", "03 ipv4 203.0.113.10", "04 ipv4 203.0.113.11", "09 email a@evil.example", "09 sha256 " + strings.Repeat("9", 64),
			"09 url http://evil.example/x"}
		if !slices.Equal(got, want) {
			t.Errorf("%q\nwant %q", got, want)
		}
		if r := recs[0]; r.Confidence == nil || *r.Confidence != 90 || r.TLP != "green" || !slices.Equal(r.Labels, []string{"apt"}) || !r.ValidFrom.Equal(past) {
			t.Errorf("row properties %+v", r)
		}
	})
	t.Run("indicators", func(t *testing.T) {
		_, recs := runExport(t, db, memberB, export.STIX, export.Filter{}, now)
		var got []string
		for _, r := range recs {
			got = append(got, r.ID[len(r.ID)-2:]+"@"+r.Modified[:10])
			if !strings.Contains(string(r.Raw), r.ID) {
				t.Errorf("raw of %s: %s", r.ID, r.Raw)
			}
		}
		if want := []string{"01@2026-01-01", "02@2026-01-01", "03@2026-01-02", "04@2026-01-01", "09@2026-01-01"}; !slices.Equal(got, want) {
			t.Errorf("%q, want %q", got, want)
		}
	})
	t.Run("boundaries", func(t *testing.T) {
		ver, _ := runExport(t, db, memberB, export.IP, export.Filter{}, now)
		if !ver.NextBoundary.Equal(future) || !ver.LastBoundary.Equal(now.Add(-time.Minute)) {
			t.Errorf("boundaries %s / %s, want %s / %s", ver.LastBoundary, ver.NextBoundary, now.Add(-time.Minute), future)
		}
		ver, _ = runExport(t, db, memberB, export.CSV, export.Filter{}, future)
		if !ver.NextBoundary.Equal(future.Add(time.Hour)) || !ver.LastBoundary.Equal(future) {
			t.Errorf("at %s: boundaries %s / %s", future, ver.LastBoundary, ver.NextBoundary)
		}
		// indicator 9 has no address: the ip export does not change when it expires
		ver, _ = runExport(t, db, memberB, export.IP, export.Filter{}, future)
		if !ver.NextBoundary.IsZero() {
			t.Errorf("ip at %s: next boundary %s", future, ver.NextBoundary)
		}
	})
}

// TestExportPosition checks that the position a viewer's tag derives from
// moves with what the viewer may see and only with that.
func TestExportPosition(t *testing.T) {
	ctx := context.Background()
	db := seedDB(t)
	pos := func(v hub.Viewer, f export.Filter) int64 {
		t.Helper()
		p, _, err := db.ExportPosition(ctx, v, f)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := pos(memberB, export.Filter{}); p != 0 {
		t.Fatalf("empty store: position %d", p)
	}
	store(t, db, seedObject{id: uid("indicator", 1), modified: "2026-01-01T00:00:00Z", received: base.Add(time.Second)})
	b1, a1 := pos(memberB, export.Filter{}), pos(memberA, export.Filter{})
	if b1 == 0 || a1 != b1 {
		t.Fatalf("after a green indicator: B %d, A %d", b1, a1)
	}
	// hidden from B: A's position moves, B's does not
	store(t, db, seedObject{id: uid("indicator", 2), modified: "2026-01-01T00:00:00Z", tlp: "red", recipients: []string{orgA}, received: base.Add(2 * time.Second)})
	if b, a := pos(memberB, export.Filter{}), pos(memberA, export.Filter{}); b != b1 || a <= a1 {
		t.Errorf("after a version hidden from B: B %d (was %d), A %d (was %d)", b, b1, a, a1)
	}
	for _, v := range []hub.Viewer{clientB, communityB, anonymous} {
		if p := pos(v, export.Filter{}); p != b1 && !(v == anonymous && p == 0) {
			t.Errorf("%+v: position %d", v, p)
		}
	}
	// not an indicator: nobody's export position moves
	other := seedObject{id: uid("malware", 3), modified: "2026-01-01T00:00:00Z", typ: "malware"}
	store(t, db, other)
	if b := pos(memberB, export.Filter{}); b != b1 {
		t.Errorf("a malware version moved B's position to %d", b)
	}
	// the creators filter and TLP ceiling narrow the classes
	if p := pos(memberA, export.Filter{Creators: []string{orgB}}); p != 0 {
		t.Errorf("creators filter: %d", p)
	}
	if p := pos(memberA, export.Filter{TLP: "amber"}); p != b1 {
		t.Errorf("tlp ceiling: %d, want %d", p, b1)
	}
	_, received, _ := db.ExportPosition(ctx, memberB, export.Filter{})
	if !received.Equal(base.Add(time.Second)) {
		t.Errorf("received %s", received)
	}
	// An append outside the feed lock (no ingest path does that) still
	// moves the position, through a row of its own.
	loose := seedObject{id: uid("indicator", 4), modified: "2026-01-01T00:00:00Z", received: base.Add(3 * time.Second)}
	insert(t, db, loose)
	if _, err := db.SQLX().Exec(`INSERT INTO events (object_id, modified, kind, org, received) VALUES ($1, $2, 'object.created', $3, $4)`,
		loose.id, loose.modified, orgA, loose.received); err != nil {
		t.Fatal(err)
	}
	if b := pos(memberB, export.Filter{}); b <= b1 {
		t.Errorf("a lock-less append left B's position at %d", b)
	}
}

func TestExportDefinitions(t *testing.T) {
	ctx := context.Background()
	db := seedDB(t)
	c := 70
	d := hub.ExportDefinition{Name: "fw-edl", Format: export.IP, Filter: export.Filter{Labels: []string{"apt"}, MinConfidence: &c}, CreatedBy: "admin"}
	if created, err := db.PutExportDefinition(ctx, d); err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	d.Format = export.RPZ
	if created, err := db.PutExportDefinition(ctx, d); err != nil || created {
		t.Fatalf("replace: %v %v", created, err)
	}
	got, err := db.ExportDefinition(ctx, "fw-edl")
	if err != nil || got.Format != export.RPZ || got.Filter.Query() != d.Filter.Query() || got.CreatedBy != "admin" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if all, err := db.ExportDefinitions(ctx); err != nil || len(all) != 1 {
		t.Fatalf("list: %v %v", all, err)
	}
	if err := db.DeleteExportDefinition(ctx, "fw-edl"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteExportDefinition(ctx, "fw-edl"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := db.ExportDefinition(ctx, "fw-edl"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	d.Name = "Bad Name"
	if _, err := db.PutExportDefinition(ctx, d); err == nil {
		t.Error("the table took a bad name")
	}
}

// TestExportLineages: the same id written by two orgs is two indicators
// (migration 0080); each viewer gets the latest version of each lineage
// it may see, and a hidden lineage neither shows nor hides the other.
func TestExportLineages(t *testing.T) {
	now := base.Add(24 * time.Hour)
	db := seedDB(t)
	id := uid("indicator", 1)
	store(t, db,
		seedObject{id: id, modified: "2026-01-01T00:00:00Z", validFrom: base, observables: []pattern.Observable{ob("ipv4", "192.0.2.1")}},
		seedObject{id: id, modified: "2026-01-01T00:00:00Z", validFrom: base, createdBy: orgB, tlp: "red", recipients: []string{orgB},
			observables: []pattern.Observable{ob("ipv4", "192.0.2.2")}},
		// A's later version in its own lineage replaces A's value only
		seedObject{id: id, modified: "2026-01-02T00:00:00Z", validFrom: base, observables: []pattern.Observable{ob("ipv4", "192.0.2.3")}},
	)
	for _, tc := range []struct {
		v    hub.Viewer
		want []string
	}{
		{memberA, []string{"192.0.2.3"}},
		{memberB, []string{"192.0.2.2", "192.0.2.3"}},
	} {
		_, recs := runExport(t, db, tc.v, export.IP, export.Filter{}, now)
		if got := values(recs); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.v.Org, got, tc.want)
		}
	}
	_, recs := runExport(t, db, memberB, export.CSV, export.Filter{}, now)
	if len(recs) != 2 || recs[0].CreatedBy != orgA || recs[1].CreatedBy != orgB {
		t.Errorf("csv rows %+v", recs)
	}
	pa, _, _ := db.ExportPosition(context.Background(), memberA, export.Filter{})
	pb, _, _ := db.ExportPosition(context.Background(), memberB, export.Filter{})
	if pa != 3 || pb != 3 {
		t.Errorf("positions A %d B %d, want 3 (A's second version is the last event)", pa, pb)
	}
}
