package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestEventsAfterBytes: pages are bounded in object bytes as well as in
// events, always hold at least one event, and read in order without a gap.
func TestEventsAfterBytes(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	x := db.SQLX()
	seedFeed(t, x)
	size := func(i int) int { return []int{100, 5000, 100, 20000, 100, 100}[i] }
	for i := range 6 {
		id := fmt.Sprintf("indicator--b0000000-0000-4000-8000-%012d", i)
		if _, err := x.Exec(`
INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, raw, sha256, signature, kid, submission, received)
VALUES ($1, 'm', now(), 'indicator', now(), $2, 'green', convert_to($3, 'UTF8'), '\x00', 'sig', 'kid',
        'submission--f0000000-0000-4000-8000-000000000001', now())`,
			id, feedOrg, `{"id":"`+id+`","x":"`+strings.Repeat("x", size(i)-len(id)-16)+`"}`); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Exec(`INSERT INTO events (object_id, modified, kind, org, received) VALUES ($1, 'm', 'object.created', $2, now())`, id, feedOrg); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	var after int64
	for range 10 {
		p, err := db.EventsAfterBytes(ctx, after, 4, 4000)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) == 0 {
			break
		}
		var sizes []string
		for _, e := range p.Events {
			if e.Seq != after+1 {
				t.Fatalf("event %d after %d: a gap", e.Seq, after)
			}
			after = e.Seq
			sizes = append(sizes, fmt.Sprint(len(e.Object)))
		}
		pages = append(pages, strings.Join(sizes, "+"))
	}
	// 100 then 5000 (the bytes before it, 100, are under the bound), then
	// 100 and 20000 (alone it exceeds the bound, but a page holds at least
	// one event), then the last two, under the event limit.
	if got := strings.Join(pages, " | "); got != "100+5000 | 100+20000 | 100+100" {
		t.Fatalf("pages %s", got)
	}
	full, err := db.EventsAfter(ctx, 0, 100)
	if err != nil || len(full.Events) != 6 {
		t.Fatalf("EventsAfter: %d events, %v", len(full.Events), err)
	}
	var _ hub.EventPager = db
}
