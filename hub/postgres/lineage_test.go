package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// TestLineages: two orgs' versions of one id are two lineages (migration
// 0080), and every read serves each one under the visibility rule.
func TestLineages(t *testing.T) {
	ctx := context.Background()
	db := ingestDB(t)
	ob := hub.Observable{Kind: "domain", Value: "lineage.example", Path: "domain-name:value", Op: "="}
	// The rival's version is TLP:RED for nobody else; the submitter's,
	// received a second later, is GREEN.
	theirs := version(ind1, t1, "theirs", ob)
	theirs.TLP, theirs.Recipients = stix.TLPRed, []string{}
	rs := newSubmission(rival, theirs)
	if _, err := db.StoreSubmission(ctx, rs); err != nil {
		t.Fatal(err)
	}
	ms := newSubmission(submitter, version(ind1, t1, "mine", ob))
	ms.Received = ingestTime.Add(time.Second)
	if _, err := db.StoreSubmission(ctx, ms); err != nil {
		t.Fatal(err)
	}
	subMember := hub.Viewer{Org: submitter, Tier: "member"}
	rivalMember := hub.Viewer{Org: rival, Tier: "member"}
	rivalClient := hub.Viewer{Org: rival, Tier: "client"}

	t.Run("Object", func(t *testing.T) {
		for _, tc := range []struct {
			v    hub.Viewer
			want string
		}{{subMember, submitter}, {rivalMember, rival}, {rivalClient, submitter}} {
			for _, mod := range []string{"", t1} {
				o, err := db.Object(ctx, tc.v, ind1, mod)
				if err != nil || o.CreatedBy != tc.want {
					t.Fatalf("Object(%v, %q) = %s, %v; want %s's", tc.v, mod, o.CreatedBy, err, tc.want)
				}
				p, err := db.Provenance(ctx, tc.v, ind1, mod)
				if err != nil || p.Object.CreatedBy != tc.want || p.Submission.Org != tc.want {
					t.Fatalf("Provenance(%v, %q) = %s, %v; want %s's", tc.v, mod, p.Object.CreatedBy, err, tc.want)
				}
			}
		}
		vs, err := db.ObjectVersions(ctx, rivalMember, ind1, nil, 100, 1<<30)
		if err != nil || len(vs) != 2 {
			t.Fatalf("versions for the rival = %d, %v; want both lineages", len(vs), err)
		}
	})

	t.Run("Lookup", func(t *testing.T) {
		for _, tc := range []struct {
			v    hub.Viewer
			want int
		}{{subMember, 1}, {rivalMember, 2}, {rivalClient, 1}} {
			hits, err := db.Lookup(ctx, tc.v, []hub.Probe{{Kinds: []string{"domain"}, Values: []string{"lineage.example"}}}, hub.LookupAfter{}, 10, 1<<30)
			if err != nil || len(hits) != tc.want {
				t.Fatalf("Lookup(%v) = %d hits, %v; want %d", tc.v, len(hits), err, tc.want)
			}
		}
	})

	t.Run("VisibleVersions", func(t *testing.T) {
		objs := []hub.ReceiptObject{{ID: ind1, Modified: t1}}
		for _, tc := range []struct {
			v    hub.Viewer
			org  string
			want int
		}{{rivalMember, rival, 1}, {rivalClient, rival, 0}, {subMember, submitter, 1}, {hub.Viewer{Org: submitter, Tier: "community"}, submitter, 1}} {
			n, err := db.VisibleVersions(ctx, tc.v, tc.org, objs)
			if err != nil || n != tc.want {
				t.Fatalf("VisibleVersions(%v, %s) = %d, %v; want %d", tc.v, tc.org, n, err, tc.want)
			}
		}
		// A listed version that is not stored counts as unseen.
		n, err := db.VisibleVersions(ctx, subMember, submitter, append(objs, hub.ReceiptObject{ID: ind2, Modified: t1}))
		if err != nil || n != 1 {
			t.Fatalf("VisibleVersions with a missing version = %d, %v", n, err)
		}
	})

	t.Run("RegisteredParticipants", func(t *testing.T) {
		got, err := db.RegisteredParticipants(ctx, []string{submitter, "identity--99999999-0000-4000-8000-000000000000"})
		if err != nil || len(got) != 1 || got[0] != submitter {
			t.Fatalf("RegisteredParticipants = %v, %v", got, err)
		}
	})
}
