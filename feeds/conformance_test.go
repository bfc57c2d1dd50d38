package feeds

import (
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/eventtest"
)

// The in-memory log the feed tests run on passes the event-source
// conformance suite that hub/postgres passes too.
func TestMemLogConformance(t *testing.T) {
	eventtest.Run(t, func(t *testing.T) eventtest.Log {
		l := newMemLog()
		return eventtest.Log{Source: l, Append: func(_ *testing.T, org string, received time.Time, ids ...string) []int64 {
			seqs := make([]int64, len(ids))
			for i, id := range ids {
				seqs[i] = l.add(&hub.Event{ObjectID: id, Org: org, Received: received, Modified: "2026-05-01T08:00:00.000Z"}).Seq
			}
			return seqs
		}}
	})
}
