package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/store"
)

// stateTimeout bounds the database reads of one scrape: a slow database
// makes switchboard_database_up 0 rather than hold Prometheus.
const stateTimeout = 5 * time.Second

// state is what waits and what is connected, read from the database when
// Prometheus scrapes: the backlog and the connections' statuses are the
// database's, so every replica reports the same values (alert on max(),
// not sum()).
type state struct {
	JobsWaiting, StepsPending     int
	MessagesWaiting, SessionsWait int
	// Connections counts integrations and channels by kind
	// ("integration", "channel") and status.
	Connections map[[2]string]int
}

// stateCollector turns a read of the state into gauges. read is set once
// the services it asks exist (Server.New); until then, and when a read
// fails, switchboard_database_up is 0 and the other gauges are left out.
type stateCollector struct {
	read func(context.Context) (state, error)
	log  *slog.Logger

	up, jobs, steps, messages, sessions, connections *prometheus.Desc
}

func newStateCollector() *stateCollector {
	return &stateCollector{
		up: prometheus.NewDesc("switchboard_database_up",
			"1 when this scrape read the backlog and the connections from the database, 0 when it could not.", nil, nil),
		jobs: prometheus.NewDesc("switchboard_jobs_waiting",
			"Jobs of the queue waiting to be worked (available, scheduled or retryable), on all replicas.", nil, nil),
		steps: prometheus.NewDesc("switchboard_call_steps_pending",
			"Call steps waiting or running now.", nil, nil),
		messages: prometheus.NewDesc("switchboard_messages_waiting",
			"Outbound messages waiting to be sent.", nil, nil),
		sessions: prometheus.NewDesc("switchboard_sessions_waiting",
			"Conversations waiting in a queue for an agent to take them over.", nil, nil),
		connections: prometheus.NewDesc("switchboard_connections",
			"Integrations and channels by kind (integration, channel) and status (connected, failed, unauthorized …).",
			[]string{"kind", "status"}, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.jobs, c.steps, c.messages, c.sessions, c.connections} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.read == nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	st, err := c.read(ctx)
	if err != nil {
		if c.log != nil {
			c.log.Warn("metrics: reading the backlog and connections", slog.Any("err", err))
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(st.JobsWaiting))
	ch <- prometheus.MustNewConstMetric(c.steps, prometheus.GaugeValue, float64(st.StepsPending))
	ch <- prometheus.MustNewConstMetric(c.messages, prometheus.GaugeValue, float64(st.MessagesWaiting))
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(st.SessionsWait))
	for k, n := range st.Connections {
		ch <- prometheus.MustNewConstMetric(c.connections, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// readState reads the state the gauges show, through the services that
// own it.
func (s *Server) readState(ctx context.Context) (state, error) {
	p := store.LastHours(s.now(), 1)
	c, err := s.calls.Activity(ctx, p)
	if err != nil {
		return state{}, err
	}
	m, err := s.msg.Activity(ctx, p)
	if err != nil {
		return state{}, err
	}
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		return state{}, err
	}
	ins, err := s.store.ListIntegrations(ctx)
	if err != nil {
		return state{}, err
	}
	channels := make(map[string]bool, len(chs))
	for _, ch := range chs {
		channels[ch.ID] = true
	}
	st := state{JobsWaiting: c.JobsWaiting, StepsPending: c.PendingRuns, MessagesWaiting: m.Outbound, SessionsWait: m.Offers,
		Connections: map[[2]string]int{}}
	for _, in := range ins {
		kind := "integration"
		if channels[in.ID] {
			kind = "channel"
		}
		st.Connections[[2]string{kind, in.Status}]++
	}
	return st, nil
}
