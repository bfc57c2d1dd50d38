package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jag-hub/jag/hub/translog"
)

// Log exposes the transparency log's state, read from the store at each
// scrape (one query, bounded by a 2 s timeout; on error the metrics are
// left out of that scrape):
//
//   - jag_log_size: entries committed to the log;
//   - jag_log_checkpoint_size: entries the newest checkpoint covers;
//   - jag_log_checkpoint_age_seconds: age of the newest checkpoint.
//
// The log publishes checkpoints only while it grows, so an old checkpoint
// is normal on an idle hub; jag_log_size above jag_log_checkpoint_size
// with an age of more than a few checkpoint intervals means the
// sequencer is stuck. Every replica reports the same shared values.
type Log struct {
	src                   translog.StatusReader
	size, cpSize, cpAgeSc *prometheus.Desc
}

var _ prometheus.Collector = (*Log)(nil)

// NewLog registers the log metrics of src on reg.
func NewLog(reg prometheus.Registerer, src translog.StatusReader) *Log {
	m := &Log{
		src:     src,
		size:    prometheus.NewDesc("jag_log_size", "Entries committed to the transparency log.", nil, nil),
		cpSize:  prometheus.NewDesc("jag_log_checkpoint_size", "Entries covered by the newest transparency-log checkpoint.", nil, nil),
		cpAgeSc: prometheus.NewDesc("jag_log_checkpoint_age_seconds", "Age of the newest transparency-log checkpoint (database clock).", nil, nil),
	}
	reg.MustRegister(m)
	return m
}

// Describe implements prometheus.Collector.
func (m *Log) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.size
	ch <- m.cpSize
	ch <- m.cpAgeSc
}

// Collect implements prometheus.Collector.
func (m *Log) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := m.src.LogStatus(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(m.size, prometheus.GaugeValue, float64(st.Entries))
	if st.HasCheckpoint {
		ch <- prometheus.MustNewConstMetric(m.cpSize, prometheus.GaugeValue, float64(st.CheckpointSize))
		ch <- prometheus.MustNewConstMetric(m.cpAgeSc, prometheus.GaugeValue, st.CheckpointAge.Seconds())
	}
}
