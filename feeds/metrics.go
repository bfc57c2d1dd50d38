package feeds

import (
	"strconv"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the feed's Prometheus series.
type metrics struct {
	lagEvents     prometheus.Gauge
	oldestXactAge prometheus.Gauge
	head          prometheus.Gauge
	sessions      prometheus.Gauge
	delivered     prometheus.Counter
	closes        *prometheus.CounterVec
	pollErrors    prometheus.Counter
	purged        prometheus.Counter
	ringEvents    prometheus.Gauge
	ringBytes     prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		lagEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_lag_events", Help: "Committed events this replica has not yet delivered to its sessions (max seq in the log minus the tailer's position).",
		}),
		oldestXactAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_oldest_xact_age_seconds", Help: "Age of the oldest open write transaction in the database: one holding the append lock stalls the feed.",
		}),
		head: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_position", Help: "Highest event seq this replica's tailer has read.",
		}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_sessions", Help: "Open websocket feed sessions.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jag_feed_events_sent_total", Help: "Event messages written to feed sessions.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jag_feed_session_closes_total", Help: "Feed sessions closed, by websocket close code.",
		}, []string{"code"}),
		pollErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jag_feed_poll_errors_total", Help: "Failed reads of the event log (retried).",
		}),
		purged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jag_feed_events_purged_total", Help: "Events removed from the log by retention.",
		}),
		ringEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_ring_events", Help: "Recent events this replica keeps in memory for reconnecting cursors (the ring; at most --feed-ring-bytes of them, the newest always).",
		}),
		ringBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_feed_ring_bytes", Help: "Estimated memory of the ring's events in bytes (3 × the stored object plus 1 KiB each), bounded by --feed-ring-bytes beyond its newest event.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.lagEvents, m.oldestXactAge, m.head, m.sessions, m.delivered, m.closes, m.pollErrors, m.purged,
			m.ringEvents, m.ringBytes)
	}
	return m
}

// ring records the ring's size after it changed: two atomic stores, cheap
// enough for the tailer's critical section.
func (m *metrics) ring(events int, bytes int64) {
	m.ringEvents.Set(float64(events))
	m.ringBytes.Set(float64(bytes))
}

// closed counts a session's end by close code. A client that closes
// chooses its own code, so codes the feed does not know share the label
// "other": the series stay bounded whatever clients send.
func (m *metrics) closed(code int) {
	label := "other"
	switch code {
	case CloseNormal, CloseGoingAway, ClosePolicy, CloseTooBig, CloseInternal, CloseOverloaded,
		CloseTokenExpired, CloseForbidden, CloseSlowConsumer, CloseCursorExpired,
		websocket.CloseNoStatusReceived, websocket.CloseAbnormalClosure:
		label = strconv.Itoa(code)
	}
	m.closes.WithLabelValues(label).Inc()
}
