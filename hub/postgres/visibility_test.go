package postgres_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestVisibleMatchesSQL proves that auth.Visible and the SQL function
// jag_visible agree: on every combination of a small universe of inputs
// (all TLPs and an unknown one, absent/empty/listed recipients, anonymous
// and every tier, creators that are and are not the principal's org), and
// on random ones.
func TestVisibleMatchesSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn, err := db.SQLX().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmt, err := conn.PreparexContext(ctx, `SELECT jag_visible($1, $2, $3, $4, $5)`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()

	const orgC = "identity--cccccccc-0000-4000-8000-000000000003"
	tlps := []string{"clear", "green", "amber", "amber+strict", "red", "white", ""}
	recipientSets := [][]string{nil, {}, {orgA}, {orgB}, {orgA, orgB}, {orgC, orgA}}
	orgs := []string{"", orgA, orgB}
	tiers := []string{"", auth.TierMember, auth.TierClient, auth.TierCommunity, "admin"}

	check := func(m auth.Marking, org, tier string) {
		t.Helper()
		var p *auth.Principal
		if org != "" || tier != "" {
			p = &auth.Principal{Org: org, Tier: tier}
		}
		var want bool
		if err := stmt.GetContext(ctx, &want, m.TLP, pq.Array(m.Recipients), m.CreatedBy, org, tier); err != nil {
			t.Fatal(err)
		}
		if got := auth.Visible(p, m); got != want {
			t.Fatalf("Visible(org=%q tier=%q, %+v) = %v, jag_visible = %v", org, tier, m, got, want)
		}
	}
	n := 0
	for _, tlp := range tlps {
		for _, rs := range recipientSets {
			for _, creator := range orgs {
				for _, org := range orgs {
					for _, tier := range tiers {
						check(auth.Marking{TLP: tlp, Recipients: rs, CreatedBy: creator}, org, tier)
						n++
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 11))
	pool := []string{"", orgA, orgB, orgC}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	for range 2000 {
		var rs []string
		if r.IntN(3) > 0 {
			rs = []string{}
			for range r.IntN(4) {
				rs = append(rs, pick(pool[1:]))
			}
		}
		check(auth.Marking{TLP: pick(tlps), Recipients: rs, CreatedBy: pick(pool)}, pick(pool), pick(tiers))
		n++
	}
	t.Logf("%d combinations agree", n)
}
