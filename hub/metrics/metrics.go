// Package metrics is the Prometheus adapter of the service core: it
// implements the core's observer interfaces (hub.IngestObserver) as
// Prometheus collectors. cmd/jag registers them on the registry that
// GET /metrics exposes.
//
// Label values come from closed sets (the core's refusal codes and fixed
// result names), never from request content.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jag-hub/jag/hub"
)

// Ingest measures the ingest pipeline:
//
//   - jag_ingest_bundles_total{code}: submissions by outcome ("accepted",
//     "replayed", or the refusal code);
//   - jag_ingest_objects_total{result}: object versions of accepted
//     bundles ("stored", "duplicate") and of idempotent retries
//     ("replayed");
//   - jag_ingest_objects_refused_total{code}: objects of refused bundles
//     by refusal code (0 counted when the body did not decode);
//   - jag_ingest_bytes: histogram of body sizes (its _sum is the bytes
//     received);
//   - jag_ingest_verify_seconds: histogram of the time spent verifying a
//     bundle's signatures.
type Ingest struct {
	bundles *prometheus.CounterVec
	objects *prometheus.CounterVec
	refused *prometheus.CounterVec
	bytes   prometheus.Histogram
	verify  prometheus.Histogram
}

var _ hub.IngestObserver = (*Ingest)(nil)

// NewIngest registers the ingest metrics on reg.
func NewIngest(reg prometheus.Registerer) *Ingest {
	m := &Ingest{
		bundles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jag_ingest_bundles_total", Help: "Submitted bundles by outcome: accepted, replayed, or the refusal code.",
		}, []string{"code"}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jag_ingest_objects_total", Help: "Object versions of accepted bundles: stored, duplicate, replayed.",
		}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jag_ingest_objects_refused_total", Help: "Objects of refused bundles by refusal code.",
		}, []string{"code"}),
		bytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "jag_ingest_bytes", Help: "Size of submitted bundle bodies in bytes.",
			Buckets: prometheus.ExponentialBuckets(1024, 4, 9), // 1 KiB … 64 MiB
		}),
		verify: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "jag_ingest_verify_seconds", Help: "Time spent verifying the signatures of one bundle.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	for _, c := range []string{"stored", "duplicate", "replayed"} {
		m.objects.WithLabelValues(c)
	}
	reg.MustRegister(m.bundles, m.objects, m.refused, m.bytes, m.verify)
	return m
}

// Submitted implements hub.IngestObserver.
func (m *Ingest) Submitted(o hub.IngestOutcome) {
	m.bytes.Observe(float64(o.Bytes))
	if o.Verify > 0 {
		m.verify.Observe(o.Verify.Seconds())
	}
	switch {
	case o.Code != "":
		m.bundles.WithLabelValues(o.Code).Inc()
		m.refused.WithLabelValues(o.Code).Add(float64(o.Objects))
	case o.Replayed:
		m.bundles.WithLabelValues("replayed").Inc()
		m.objects.WithLabelValues("replayed").Add(float64(o.Objects))
	default:
		m.bundles.WithLabelValues("accepted").Inc()
		m.objects.WithLabelValues("stored").Add(float64(o.Stored))
		m.objects.WithLabelValues("duplicate").Add(float64(o.Duplicates))
	}
}
