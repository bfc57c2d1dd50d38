package rest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jag-hub/jag/hub"
)

// httpMetrics counts requests by route pattern (never by raw path, which
// would let clients create unbounded label values).
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jag_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "jag_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jag_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// instrument counts every request under the route pattern routeOf names
// for it, whether the route's handler ran or authentication refused the
// request first.
func (m *httpMetrics) instrument(routeOf func(*http.Request) string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inflight.Inc()
		defer m.inflight.Dec()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		route := routeOf(r)
		h.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// routeOf is the metrics label of r: the pattern of the route table (or
// of a mount, or of the mount's own router) that serves it, or
// "unmatched" (unknown paths and wrong methods). It asks the muxes
// themselves, because the request they route is a copy made by the
// authentication middleware.
func (s *Server) routeOf(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	if inner, ok := s.mounted[pattern]; ok {
		if _, p := inner.Handler(r); p != "" {
			return pattern + " " + p
		}
		return pattern + " unmatched"
	}
	if pattern != "" && pattern != "/" {
		return pattern
	}
	return "unmatched"
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// MetricsHandler serves GET /metrics without authentication, for a
// listener of its own that only the operator's network reaches (jag serve
// --metrics-addr); anything else there is a 404 problem.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { refuse(w, r, hub.CodeNotFound, "no such endpoint") })
	return mux
}

// statusWriter records the status code; it forwards Unwrap so
// http.ResponseController (flush, hijack for websockets) still works.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
