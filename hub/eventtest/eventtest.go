// Package eventtest is the conformance suite of hub.EventSource, the event
// log the live feed reads. Every implementation runs it: hub/postgres (the
// real log) and the in-memory log the feeds tests use, so the fake cannot
// drift from the database.
package eventtest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
)

// Log is one fresh, empty event log under test.
type Log struct {
	Source hub.EventSource
	// Append records one new object version per id, in order, as one
	// submission of org received at received (microsecond precision), and
	// returns the seq of each event (KindCreated).
	Append func(t *testing.T, org string, received time.Time, ids ...string) []int64
}

// Org is the submitting org the suite uses; implementations that check
// participants register it.
const Org = "identity--e7e70000-0000-4000-8000-00000000000a"

// Run runs the suite; open returns a fresh, empty log for each subtest.
func Run(t *testing.T, open func(t *testing.T) Log) {
	t.Run("empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("order and pages", func(t *testing.T) { testPages(t, open(t)) })
	t.Run("purge prefix", func(t *testing.T) { testPurge(t, open(t)) })
}

var base = time.Date(2026, 5, 1, 8, 0, 0, 123456000, time.UTC)

func id(n int) string { return fmt.Sprintf("indicator--e7e70000-0000-4000-8000-%012d", n) }

func testEmpty(t *testing.T, l Log) {
	ctx := context.Background()
	head, purged, err := l.Source.EventHead(ctx)
	if err != nil || head != 0 || purged != 0 {
		t.Fatalf("EventHead = %d, %d, %v; want 0, 0", head, purged, err)
	}
	p, err := l.Source.EventsAfter(ctx, 0, 10)
	if err != nil || len(p.Events) != 0 || p.PurgedThrough != 0 {
		t.Fatalf("EventsAfter = %+v, %v", p, err)
	}
	st, err := l.Source.EventStats(ctx)
	if err != nil || st.MaxSeq != 0 {
		t.Fatalf("EventStats = %+v, %v", st, err)
	}
	if n, err := l.Source.PurgeEvents(ctx, base.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("PurgeEvents = %d, %v", n, err)
	}
}

func testPages(t *testing.T, l Log) {
	ctx := context.Background()
	seqs := l.Append(t, Org, base, id(1), id(2), id(3))
	seqs = append(seqs, l.Append(t, Org, base.Add(time.Second), id(4), id(5))...)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("seqs not increasing: %v", seqs)
		}
	}
	last := seqs[len(seqs)-1]
	if head, _, err := l.Source.EventHead(ctx); err != nil || head != last {
		t.Fatalf("EventHead = %d, %v; want %d", head, err, last)
	}
	if st, err := l.Source.EventStats(ctx); err != nil || st.MaxSeq != last {
		t.Fatalf("EventStats = %+v, %v; want MaxSeq %d", st, err, last)
	}
	// Pages of one event each cover the log once, in order.
	var got []*hub.Event
	for after := int64(0); ; {
		p, err := l.Source.EventsAfter(ctx, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > 1 {
			t.Fatalf("limit 1 returned %d events", len(p.Events))
		}
		if len(p.Events) == 0 {
			break
		}
		got = append(got, p.Events[0])
		after = p.Events[0].Seq
	}
	if len(got) != len(seqs) {
		t.Fatalf("paged %d events, want %d", len(got), len(seqs))
	}
	for i, e := range got {
		wantReceived := base
		if i >= 3 {
			wantReceived = base.Add(time.Second)
		}
		var obj struct{ ID string }
		if e.Seq != seqs[i] || e.ObjectID != id(i+1) || e.Kind != hub.KindCreated || e.Org != Org ||
			!e.Received.Equal(wantReceived) || e.Type != "indicator" || e.Modified == "" ||
			json.Unmarshal(e.Object, &obj) != nil || obj.ID != e.ObjectID {
			t.Errorf("event %d = %+v (object %s)", i, e, e.Object)
		}
	}
	p, err := l.Source.EventsAfter(ctx, seqs[2], 10)
	if err != nil || len(p.Events) != 2 || p.Events[0].Seq != seqs[3] || p.Events[1].Seq != seqs[4] {
		t.Fatalf("EventsAfter(%d) = %+v, %v", seqs[2], p, err)
	}
	if p, err := l.Source.EventsAfter(ctx, last, 10); err != nil || len(p.Events) != 0 {
		t.Fatalf("after the head: %+v, %v", p, err)
	}
	// Each read returns its own events: changing one does not change the log.
	p.Events[0].ObjectID = "changed"
	if again, err := l.Source.EventsAfter(ctx, seqs[2], 1); err != nil || again.Events[0].ObjectID != id(4) {
		t.Fatalf("a read shares its events with the log: %+v, %v", again, err)
	}
}

func testPurge(t *testing.T, l Log) {
	ctx := context.Background()
	old := l.Append(t, Org, base, id(1), id(2), id(3))
	young := l.Append(t, Org, base.Add(time.Hour), id(4))
	oldAgain := l.Append(t, Org, base, id(5)) // old, but after a young one
	cutoff := base.Add(30 * time.Minute)
	n, err := l.Source.PurgeEvents(ctx, cutoff)
	if err != nil || n != 3 {
		t.Fatalf("PurgeEvents = %d, %v; want 3 (the old prefix only)", n, err)
	}
	head, purged, err := l.Source.EventHead(ctx)
	if err != nil || purged != old[2] || head != oldAgain[0] {
		t.Fatalf("EventHead = %d, %d, %v; want %d, %d", head, purged, err, oldAgain[0], old[2])
	}
	p, err := l.Source.EventsAfter(ctx, 0, 10)
	if err != nil || p.PurgedThrough != old[2] || len(p.Events) != 2 || p.Events[0].Seq != young[0] || p.Events[1].Seq != oldAgain[0] {
		t.Fatalf("EventsAfter(0) after purge = %+v, %v", p, err)
	}
	if n, err := l.Source.PurgeEvents(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("second PurgeEvents = %d, %v", n, err)
	}
	if n, err := l.Source.PurgeEvents(ctx, base.Add(2*time.Hour)); err != nil || n != 2 {
		t.Fatalf("PurgeEvents of the rest = %d, %v", n, err)
	}
	if head, purged, err := l.Source.EventHead(ctx); err != nil || purged != oldAgain[0] || (head != 0 && head != oldAgain[0]) {
		t.Fatalf("EventHead after purging everything = %d, %d, %v", head, purged, err)
	}
	// The log goes on after the purged seqs.
	next := l.Append(t, Org, base.Add(3*time.Hour), id(6))
	if next[0] <= oldAgain[0] {
		t.Fatalf("seq %d after purging through %d", next[0], oldAgain[0])
	}
}
