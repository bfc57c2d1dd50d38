package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// Participants of the ingest store tests.
const (
	submitter = "identity--11111111-1111-4111-8111-111111111111"
	rival     = "identity--22222222-2222-4222-8222-222222222222"
)

var ingestTime = time.Date(2026, 4, 1, 9, 30, 0, 123456789, time.UTC)

// ingestDB returns a database with the participants submitter and rival.
func ingestDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	for _, org := range []string{submitter, rival} {
		if _, err := db.SQLX().Exec(`INSERT INTO participants (id, name, identity) VALUES ($1, $2, '{}')`, org, "org "+org[10:14]); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// version builds a stored version of indicator id with a content marker
// (different markers give different bytes and digests).
func version(id, modified, marker string, obs ...hub.Observable) hub.StoredObject {
	mod, err := stix.ParseTimestamp(modified)
	if err != nil {
		panic(err)
	}
	raw := fmt.Sprintf(`{"type":"indicator","id":%q,"modified":%q,"name":%q}`, id, modified, marker)
	conf := 80
	return hub.StoredObject{
		ID: id, Modified: modified, ModifiedAt: mod, Type: "indicator", CreatedAt: mod,
		CreatedBy: submitter, TLP: stix.TLPGreen, Labels: []string{"a\"b", `c\d`}, Name: marker,
		Confidence: &conf, ValidFrom: &mod, Raw: []byte(raw), SHA256: sha256.Sum256([]byte(raw)),
		Signature: "sig-" + marker, KID: "kid-1", Observables: obs,
	}
}

// subSeq numbers submissions across the (parallel) tests.
var subSeq atomic.Int64

// newSubmission wraps versions in a submission of org with a fresh id and
// the digest of its versions.
func newSubmission(org string, objs ...hub.StoredObject) *hub.NewSubmission {
	seq := subSeq.Add(1)
	h := sha256.New()
	for _, o := range objs {
		fmt.Fprintf(h, "%s\x00%s\x00%x", o.ID, o.Modified, o.SHA256)
	}
	s := &hub.NewSubmission{Submission: hub.Submission{
		ID:       fmt.Sprintf("submission--00000000-0000-4000-8000-%012d", seq),
		Org:      org,
		Received: ingestTime,
		BundleID: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
		Receipt:  fmt.Sprintf("receipt-%d", seq),
	}, Objects: objs}
	copy(s.Digest[:], h.Sum(nil))
	for i := range s.Objects {
		s.Objects[i].CreatedBy = org
	}
	return s
}

// counts returns the number of rows of objects, observables, events and
// submissions.
func counts(t *testing.T, db *postgres.DB) [4]int {
	t.Helper()
	var c [4]int
	for i, table := range []string{"objects", "observables", "events", "submissions"} {
		if err := db.SQLX().Get(&c[i], `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

const (
	ind1 = "indicator--0a000000-0000-4000-8000-000000000001"
	ind2 = "indicator--0a000000-0000-4000-8000-000000000002"
	ind3 = "indicator--0a000000-0000-4000-8000-000000000003"
	t1   = "2026-01-01T00:00:00.000Z"
	t2   = "2026-01-02T00:00:00.123456789Z"
)

func TestStoreSubmission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		db := ingestDB(t)
		s := newSubmission(submitter,
			version(ind1, t1, "one", hub.Observable{Kind: "ipv4", Value: "10.0.0.0/8", Path: "ipv4-addr:value", Op: "ISSUBSET"},
				hub.Observable{Kind: "domain", Value: "evil.example", Path: "domain-name:value", Op: "="}),
			version(ind2, t1, "two"))
		res, err := db.StoreSubmission(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Replayed || res.Submission.ID != s.ID || res.Submission.Accepted != 2 || res.Submission.Duplicates != 0 {
			t.Fatalf("result %+v", res)
		}
		if got := counts(t, db); got != [4]int{2, 2, 2, 1} {
			t.Fatalf("rows (objects, observables, events, submissions) = %v", got)
		}
		var raw []byte
		var labels, net string
		if err := db.SQLX().QueryRow(`SELECT raw, labels::text FROM objects WHERE id = $1`, ind1).Scan(&raw, &labels); err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(s.Objects[0].Raw) || labels != `{"a\"b","c\\d"}` {
			t.Fatalf("stored raw %s labels %s", raw, labels)
		}
		if err := db.SQLX().QueryRow(`SELECT net::text FROM observables WHERE kind = 'ipv4'`).Scan(&net); err != nil {
			t.Fatal(err)
		}
		if net != "10.0.0.0/8" {
			t.Fatalf("net = %s", net)
		}
		// The GiST index answers containment.
		var n int
		if err := db.SQLX().Get(&n, `SELECT count(*) FROM observables WHERE net >>= '10.1.2.3'::inet`); err != nil || n != 1 {
			t.Fatalf("containment: %d, %v", n, err)
		}
		got, err := db.Submission(ctx, submitter, s.ID)
		if err != nil || got.Receipt != s.Receipt || got.Digest != s.Digest || got.Accepted != 2 {
			t.Fatalf("Submission = %+v, %v", got, err)
		}
	})

	t.Run("Replay", func(t *testing.T) {
		db := ingestDB(t)
		first := newSubmission(submitter, version(ind1, t1, "one"))
		if _, err := db.StoreSubmission(ctx, first); err != nil {
			t.Fatal(err)
		}
		retry := newSubmission(submitter, version(ind1, t1, "one"))
		res, err := db.StoreSubmission(ctx, retry)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Replayed || res.Submission.ID != first.ID || res.Submission.Receipt != first.Receipt {
			t.Fatalf("retry answered %+v, want the original %s", res, first.ID)
		}
		if got := counts(t, db); got != [4]int{1, 0, 1, 1} {
			t.Fatalf("rows = %v", got)
		}
	})

	t.Run("NoOpSubmission", func(t *testing.T) {
		// Both versions were stored by two different submissions: the
		// bundle of both gets a no-op record, which answers its retries.
		db := ingestDB(t)
		for _, o := range []hub.StoredObject{version(ind1, t1, "one"), version(ind2, t1, "two")} {
			if _, err := db.StoreSubmission(ctx, newSubmission(submitter, o)); err != nil {
				t.Fatal(err)
			}
		}
		both := newSubmission(submitter, version(ind1, t1, "one"), version(ind2, t1, "two"))
		res, err := db.StoreSubmission(ctx, both)
		if err != nil {
			t.Fatal(err)
		}
		if res.Replayed || res.Submission.ID != both.ID || res.Submission.Accepted != 0 || res.Submission.Duplicates != 2 {
			t.Fatalf("result %+v", res)
		}
		again, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "one"), version(ind2, t1, "two")))
		if err != nil || !again.Replayed || again.Submission.ID != both.ID {
			t.Fatalf("retry = %+v, %v", again, err)
		}
		if got := counts(t, db); got != [4]int{2, 0, 2, 3} {
			t.Fatalf("rows = %v", got)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		db := ingestDB(t)
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "one"))); err != nil {
			t.Fatal(err)
		}
		before := counts(t, db)
		_, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind2, t1, "new"), version(ind1, t1, "changed")))
		var ve *hub.VersionError
		if !errors.Is(err, hub.ErrConflict) || !errors.As(err, &ve) || ve.ID != ind1 || ve.Modified != t1 {
			t.Fatalf("err = %v, want a conflict on %s", err, ind1)
		}
		if got := counts(t, db); got != before {
			t.Fatalf("rows %v after a refused submission, want %v", got, before)
		}
		var name string
		if err := db.SQLX().Get(&name, `SELECT name FROM objects WHERE id = $1`, ind1); err != nil || name != "one" {
			t.Fatalf("first version changed: %q, %v", name, err)
		}
	})

	// Another org's versions of an id are another lineage (migration
	// 0080): they never make a submission fail, whatever they hold, and
	// both lineages are stored side by side.
	t.Run("OtherOrgsLineage", func(t *testing.T) {
		db := ingestDB(t)
		ob := hub.Observable{Kind: "domain", Value: "lineage.example", Path: "domain-name:value", Op: "="}
		if _, err := db.StoreSubmission(ctx, newSubmission(rival, version(ind1, t1, "theirs", ob))); err != nil {
			t.Fatal(err)
		}
		// Same id and modified, other content, plus a newer version: no
		// conflict and no refusal from the rival's lineage.
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "mine", ob), version(ind1, t2, "newer"))); err != nil {
			t.Fatalf("submission beside another org's lineage: %v", err)
		}
		var rows []struct {
			CreatedBy string `db:"created_by"`
			Name      string `db:"name"`
		}
		if err := db.SQLX().Select(&rows, `SELECT created_by, name FROM objects WHERE id = $1 ORDER BY created_by, modified`, ind1); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0].CreatedBy != submitter || rows[0].Name != "mine" || rows[1].Name != "newer" ||
			rows[2].CreatedBy != rival || rows[2].Name != "theirs" {
			t.Fatalf("versions of %s = %+v", ind1, rows)
		}
		var obs []string
		if err := db.SQLX().Select(&obs, `SELECT created_by FROM observables WHERE object_id = $1 ORDER BY created_by`, ind1); err != nil {
			t.Fatal(err)
		}
		if len(obs) != 2 || obs[0] != submitter || obs[1] != rival {
			t.Fatalf("observables of %s belong to %v", ind1, obs)
		}
		// Each lineage's first version is an object.created event of its own.
		var kinds []string
		if err := db.SQLX().Select(&kinds, `SELECT kind FROM events WHERE object_id = $1 ORDER BY seq`, ind1); err != nil {
			t.Fatal(err)
		}
		if len(kinds) != 3 || kinds[0] != "object.created" || kinds[1] != "object.created" || kinds[2] != "object.updated" {
			t.Fatalf("events of %s = %v", ind1, kinds)
		}
		// The submitter's own version still conflicts with other content.
		_, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "changed")))
		if !errors.Is(err, hub.ErrConflict) {
			t.Fatalf("err = %v, want a conflict with the submitter's own version", err)
		}
	})

	t.Run("EventKinds", func(t *testing.T) {
		db := ingestDB(t)
		revoked := version(ind2, t2, "revoked")
		revoked.Revoked = true
		// Bundle order puts the later version of ind1 first: the earlier
		// one is still the "created" one.
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter,
			version(ind1, t2, "later"), version(ind1, t1, "earlier"), version(ind2, t1, "two"))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StoreSubmission(ctx, newSubmission(submitter, revoked, version(ind3, t1, "three"))); err != nil {
			t.Fatal(err)
		}
		rows, err := db.SQLX().Query(`SELECT object_id, modified, kind, org FROM events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id, mod, kind, org string
			if err := rows.Scan(&id, &mod, &kind, &org); err != nil {
				t.Fatal(err)
			}
			if org != submitter {
				t.Errorf("event org %s", org)
			}
			got = append(got, id[len(id)-1:]+" "+mod[:10]+" "+kind)
		}
		want := []string{
			"1 2026-01-02 object.updated", "1 2026-01-01 object.created", "2 2026-01-01 object.created",
			"2 2026-01-02 object.revoked", "3 2026-01-01 object.created",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events\n got %v\nwant %v", got, want)
		}
	})

	t.Run("ConcurrentIdentical", func(t *testing.T) {
		db := ingestDB(t)
		const n = 40
		var wg sync.WaitGroup
		ids := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			s := newSubmission(submitter, version(ind1, t1, "one"), version(ind2, t1, "two"))
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := db.StoreSubmission(ctx, s)
				ids[i], errs[i] = res.Submission.ID, err
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("answers name submissions %s and %s", ids[0], ids[i])
			}
		}
		if got := counts(t, db); got != [4]int{2, 0, 2, 1} {
			t.Fatalf("rows = %v, want one version and one event per object, one submission", got)
		}
	})
}

// Different bundles sharing a new version of an existing object race on
// it (a new id would serialise them on object_creators already): COPY
// meets the version committed by another transaction, the store runs its
// transaction again, and the shared version is stored once.
func TestStoreSubmissionSharedVersionRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := ingestDB(t)
	if _, err := db.StoreSubmission(ctx, newSubmission(submitter, version(ind1, t1, "first"))); err != nil {
		t.Fatal(err)
	}
	const rounds, n = 4, 16
	total := 0
	for round := range rounds {
		shared := fmt.Sprintf("2026-02-%02dT00:00:00Z", round+1)
		subs := make([]*hub.NewSubmission, n)
		for i := range subs {
			own := fmt.Sprintf("indicator--0c000000-0000-4000-8000-%06d%06d", round, i)
			subs[i] = newSubmission(submitter, version(ind1, shared, "shared"), version(own, t1, "own"))
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		accepted := make([]int, n)
		for i := range subs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := db.StoreSubmission(ctx, subs[i])
				errs[i], accepted[i] = err, res.Submission.Accepted
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d submission %d: %v", round, i, errs[i])
			}
			total += accepted[i]
		}
	}
	if total != rounds*(n+1) {
		t.Fatalf("accepted %d versions in all, want %d", total, rounds*(n+1))
	}
	want := 1 + rounds*(n+1)
	if got := counts(t, db); got != [4]int{want, 0, want, 1 + rounds*n} {
		t.Fatalf("rows = %v", got)
	}
}

func TestKnownMarkings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := ingestDB(t)
	const md = "marking-definition--0b000000-0000-4000-8000-000000000001"
	m := version(md, t1, "statement")
	m.Type = "marking-definition"
	if _, err := db.StoreSubmission(ctx, newSubmission(submitter, m, version(ind1, t1, "one"))); err != nil {
		t.Fatal(err)
	}
	member := hub.Viewer{Org: "identity--22222222-2222-4222-8222-222222222222", Tier: "member"}
	got, err := db.KnownMarkings(ctx, member, []string{md, ind1, "marking-definition--0b000000-0000-4000-8000-000000000002"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != md {
		t.Fatalf("KnownMarkings = %v, want only %s", got, md)
	}

	// A definition the viewer may not see is unknown to it, as if absent.
	const red = "marking-definition--0b000000-0000-4000-8000-000000000003"
	r := version(red, t1, "red statement")
	r.Type, r.TLP, r.Recipients = "marking-definition", stix.TLPRed, []string{submitter}
	if _, err := db.StoreSubmission(ctx, newSubmission(submitter, r)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v    hub.Viewer
		want int
	}{{member, 0}, {hub.Viewer{Org: submitter, Tier: "member"}, 1}} {
		got, err := db.KnownMarkings(ctx, tc.v, []string{red})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Fatalf("KnownMarkings(%v, red) = %v, want %d", tc.v, got, tc.want)
		}
	}
}

func TestSubmissionOtherOrgIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := ingestDB(t)
	s := newSubmission(submitter, version(ind1, t1, "one"))
	if _, err := db.StoreSubmission(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ org, id string }{{rival, s.ID}, {submitter, "submission--99999999-0000-4000-8000-000000000000"}} {
		if _, err := db.Submission(ctx, tc.org, tc.id); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Submission(%s, %s) err = %v, want ErrNotFound", tc.org, tc.id, err)
		}
	}
}
