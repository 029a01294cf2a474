package server

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboard/switchboard/engine"
)

// metrics are Switchboard's Prometheus metrics. Labels are bounded: routes
// are patterns, remote requests are named by integration, scenario and
// request name, never by URL. docs/monitoring.md lists every one (a test
// checks it does).
type metrics struct {
	remoteRequests *prometheus.CounterVec
	remoteLatency  *prometheus.HistogramVec
	remoteWaiting  *prometheus.GaugeVec
	apiRequests    *prometheus.CounterVec
	events         *prometheus.CounterVec
	steps          *prometheus.CounterVec
	apiLatency     *prometheus.HistogramVec
	webhooks       *prometheus.CounterVec
	messages       *prometheus.CounterVec
	connsRefused   prometheus.Counter
	state          *stateCollector // read at each scrape; its read is set by Server.New
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		remoteRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_remote_requests_total",
			Help: "Requests sent to integrations' remote APIs, after retries.",
		}, []string{"integration", "scenario", "request", "status_class"}),
		remoteLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_remote_request_duration_seconds",
			Help:    "Time for a remote request, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"integration", "scenario", "request"}),
		remoteWaiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "switchboard_remote_requests_waiting",
			Help: "Requests waiting for a free slot under an integration's MaxConcurrentRequest.",
		}, []string{"integration"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "Requests to Switchboard's HTTP API by route and status.",
		}, []string{"route", "code"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_call_events_total",
			Help: "Call events received, by source and result (accepted, duplicate, ignored, invalid).",
		}, []string{"source", "result"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_call_steps_total",
			Help: "Attempts of call steps (lookup, createContact, createTicket, updateTicket, journal) by outcome.",
		}, []string{"step", "status"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_channel_webhooks_total",
			Help: "Providers' webhooks by channel and result (accepted, bad_signature, unreadable).",
		}, []string{"channel", "result"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_channel_messages_total",
			Help: "Messages by channel, direction and result: in (received, duplicate, unknown_number: kept as a dead letter, held: a part waiting for the rest of its message), out (sent, failed, retrying).",
		}, []string{"channel", "direction", "result"}),
		connsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "switchboard_http_connections_refused_total",
			Help: "Connections closed on arrival because their address already held the most allowed (MaxConnsPerAddr).",
		}),
		apiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time to answer requests to Switchboard's HTTP API.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		state: newStateCollector(),
	}
	reg.MustRegister(m.remoteRequests, m.remoteLatency, m.remoteWaiting, m.apiRequests, m.apiLatency, m.events, m.steps,
		m.webhooks, m.messages, m.connsRefused, m.state,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// countMessaging is the messaging service's counting hook.
func (m *metrics) countMessaging(channel, what, result string) {
	if what == "webhook" {
		m.webhooks.WithLabelValues(channel, result).Inc()
		return
	}
	m.messages.WithLabelValues(channel, what, result).Inc()
}

func statusClass(code int) string {
	if code == 0 {
		return "error"
	}
	return strconv.Itoa(code/100) + "xx"
}

// countStep counts an attempt of a call step by outcome.
func (m *metrics) countStep(step, status string) { m.steps.WithLabelValues(step, status).Inc() }

// observer returns the engine hooks of one integration.
func (m *metrics) observer(integration string) (func(engine.Observation), func(int)) {
	return func(o engine.Observation) {
			m.remoteRequests.WithLabelValues(integration, o.Scenario, o.Request, statusClass(o.Status)).Inc()
			m.remoteLatency.WithLabelValues(integration, o.Scenario, o.Request).Observe(o.Duration.Seconds())
		}, func(delta int) {
			m.remoteWaiting.WithLabelValues(integration).Add(float64(delta))
		}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's Flush.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// wrap counts and times the API's own requests by route pattern.
func (m *metrics) wrap(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			_, route = next.Handler(r)
		}
		if route == "" {
			route = "unmatched"
		}
		m.apiRequests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		m.apiLatency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// metricsHandler serves the registry, to holders of the metrics token
// when there is one.
func (s *Server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
	if s.cfg.MetricsToken == "" {
		return h
	}
	want := []byte(s.cfg.MetricsToken)
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard-metrics"`)
			return errorf(http.StatusUnauthorized, "unauthorized", "the metrics token is required: Authorization: Bearer <token>")
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

// MetricsHandler serves GET /metrics alone (behind the metrics token when
// there is one), for an address of its own: see Config.MetricsElsewhere.
func (s *Server) MetricsHandler() http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /metrics", s.metricsHandler())
	return m
}
