package feeds

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jag-hub/jag/hub"
)

// TestRingBoundedInBytes: the ring keeps at most RingBytes of events (the
// newest always), whatever RingSize allows, and its floor follows, so a
// cursor behind it replays from the database.
func TestRingBoundedInBytes(t *testing.T) {
	f := &Feed{cfg: Config{RingBytes: 100_000, RingSize: 1000}.withDefaults(), metrics: newMetrics(nil), watch: newWatchIndex(math.MaxInt, math.MaxInt64)}
	tl := newTailer(f)
	big := []byte(`{"x":"` + strings.Repeat("x", 20_000) + `"}`) // size about 61 kB
	publish := ringPublisher(tl)
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
	seq := publish(1, append(big, big...)) // one event above the bound stays alone
	if len(tl.ring) != 1 || tl.floor != seq-1 {
		t.Fatalf("an event larger than the bound: ring %d events, floor %d (seq %d)", len(tl.ring), tl.floor, seq)
	}
	if _, _, inRing := tl.catchUp(&session{}, 5, 100); inRing {
		t.Fatal("a cursor behind the ring's floor was served from the ring")
	}
}

// TestRingGauges: jag_feed_ring_events and jag_feed_ring_bytes follow the
// ring as the tailer appends and trims it, and drop to zero when it is
// emptied (an idle replica following the head, a tailer that fell behind
// the retention).
func TestRingGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	log := newMemLog()
	f := &Feed{cfg: Config{RingBytes: 100_000, RingSize: 1000}.withDefaults(), src: log, metrics: newMetrics(reg), watch: newWatchIndex(math.MaxInt, math.MaxInt64)}
	tl := newTailer(f)
	check := func(step string, events int, bytes int64) {
		t.Helper()
		gotEvents, gotBytes := gauge(t, reg, "jag_feed_ring_events"), gauge(t, reg, "jag_feed_ring_bytes")
		if gotEvents != float64(events) || gotBytes != float64(bytes) {
			t.Fatalf("%s: gauges %v events, %v bytes; ring %d events, %d bytes", step, gotEvents, gotBytes, events, bytes)
		}
	}
	big := []byte(`{"x":"` + strings.Repeat("x", 20_000) + `"}`)
	publish := ringPublisher(tl)
	publish(3, []byte(`{}`))
	check("three small events", 3, 3*(3*2+1024))
	publish(10, big) // trimmed to the newest big event and what fits beside it
	if len(tl.ring) >= 13 {
		t.Fatalf("ring not trimmed: %d events", len(tl.ring))
	}
	check("after the trim", len(tl.ring), tl.ringBytes)
	if tl.ringBytes > f.cfg.RingBytes {
		t.Fatalf("ring holds %d bytes, bound %d", tl.ringBytes, f.cfg.RingBytes)
	}
	if _, err := tl.follow(context.Background()); err != nil { // no session: the ring empties
		t.Fatal(err)
	}
	check("idle", 0, 0)
	seq := publish(2, []byte(`{}`))
	check("two more", 2, 2*(3*2+1024))
	tl.fellBehind(seq)
	check("fell behind", 0, 0)
}

// gauge is the value of the registered gauge name.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() == name && len(fam.GetMetric()) == 1 {
			return fam.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("gauge %s not registered", name)
	return 0
}

// ringPublisher returns a function that publishes n events with obj to
// tl, numbered on from 1, and returns the last seq.
func ringPublisher(tl *tailer) func(n int, obj []byte) int64 {
	var seq int64
	return func(n int, obj []byte) int64 {
		var batch []*event
		for range n {
			seq++
			batch = append(batch, &event{Event: &hub.Event{Seq: seq, Kind: hub.KindCreated, Type: "indicator", Object: obj}})
		}
		tl.publish(batch)
		return seq
	}
}
