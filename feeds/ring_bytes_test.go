package feeds

import (
	"math"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub"
)

// TestRingBoundedInBytes: the ring keeps at most RingBytes of events (the
// newest always), whatever RingSize allows, and its floor follows, so a
// cursor behind it replays from the database.
func TestRingBoundedInBytes(t *testing.T) {
	f := &Feed{cfg: Config{RingBytes: 100_000, RingSize: 1000}.withDefaults(), metrics: newMetrics(nil), watch: newWatchIndex(math.MaxInt, math.MaxInt64)}
	tl := newTailer(f)
	big := []byte(`{"x":"` + strings.Repeat("x", 20_000) + `"}`) // size about 61 kB
	var seq int64
	publish := func(n int, obj []byte) {
		var batch []*event
		for range n {
			seq++
			batch = append(batch, &event{Event: &hub.Event{Seq: seq, Kind: hub.KindCreated, Type: "indicator", Object: obj}})
		}
		tl.publish(batch)
	}
	publish(10, big)
	if len(tl.ring) != 1 || tl.ringBytes > f.cfg.RingBytes+int64(3*len(big)+1024) || tl.floor != 9 {
		t.Fatalf("after 10 events of %d bytes: ring %d events, %d bytes, floor %d", len(big), len(tl.ring), tl.ringBytes, tl.floor)
	}
	publish(30, []byte(`{}`)) // 30 × 1,030 bytes fit beside the big one
	if len(tl.ring) != 31 || tl.floor != 9 {
		t.Fatalf("small events join the ring: %d events, floor %d", len(tl.ring), tl.floor)
	}
	publish(20, []byte(`{}`)) // now the big one must go
	if len(tl.ring) != 50 || tl.floor != 10 {
		t.Fatalf("the oldest event leaves first: %d events, floor %d", len(tl.ring), tl.floor)
	}
	publish(1, append(big, big...)) // one event above the bound stays alone
	if len(tl.ring) != 1 || tl.floor != seq-1 {
		t.Fatalf("an event larger than the bound: ring %d events, floor %d (seq %d)", len(tl.ring), tl.floor, seq)
	}
	if _, _, inRing := tl.catchUp(&session{}, 5, 100); inRing {
		t.Fatal("a cursor behind the ring's floor was served from the ring")
	}
}
