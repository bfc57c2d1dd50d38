package feeds

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCloseMetricBoundedLabels: the close code of a session may be chosen
// by the client (any of 65,536 values); the metric keeps one series per
// code the feed knows and one for all others, so a hostile client cannot
// grow the registry (Promise 6).
func TestCloseMetricBoundedLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	known := []int{CloseNormal, CloseGoingAway, ClosePolicy, CloseTooBig, CloseInternal, CloseOverloaded,
		CloseTokenExpired, CloseForbidden, CloseSlowConsumer, CloseCursorExpired}
	for _, c := range known {
		m.closed(c)
	}
	for c := 3000; c < 5000; c++ {
		m.closed(c)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "jag_feed_session_closes_total" {
			continue
		}
		labels := map[string]bool{}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				labels[l.GetValue()] = true
			}
		}
		if len(labels) > len(known)+3 {
			t.Fatalf("%d close-code series after 2,000 distinct client codes, want at most %d", len(labels), len(known)+3)
		}
		for _, want := range []string{"4408", "1000", "other"} {
			if !labels[want] {
				t.Errorf("no series for code %s", want)
			}
		}
		return
	}
	t.Fatal("close metric not registered")
}
