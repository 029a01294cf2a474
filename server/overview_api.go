package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/store"
)

// overviewHours bounds ?hours= of GET /api/v1/overview: a week at most.
const overviewHours = 7 * 24

type overviewView struct {
	// The period: whole hours in UTC, the last one under way. Each
	// byHour list has one count per hour from Since.
	Since    time.Time        `json:"since"`
	Until    time.Time        `json:"until"`
	Hours    int              `json:"hours"`
	Calls    overviewCalls    `json:"calls"`
	Messages overviewMessages `json:"messages"`
	Runs     overviewRuns     `json:"runs"`
	Backlog  overviewBacklog  `json:"backlog"`
}

type overviewCalls struct {
	Total  int   `json:"total"`
	ByHour []int `json:"byHour"`
}

type overviewMessages struct {
	Total     int   `json:"total"`
	Received  int   `json:"received"`
	Sent      int   `json:"sent"` // succeeded and failed, as the channels' statistics count
	Succeeded int   `json:"succeeded"`
	Failed    int   `json:"failed"`
	ByHour    []int `json:"byHour"`
}

type overviewRuns struct {
	Failed  int `json:"failed"`  // failed in the period, not retried since
	Pending int `json:"pending"` // waiting or running now
}

type overviewBacklog struct {
	Jobs     int `json:"jobs"`     // jobs of the queue waiting to be worked
	Outbound int `json:"outbound"` // messages waiting to be sent
	Offers   int `json:"offers"`   // sessions waiting in a queue for an agent
}

// overview is the state at a glance for the console's first page: the last
// hours' calls and messages hour by hour, the steps that failed, and what
// waits now. The counting is the services'.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	hours := 24
	if v := r.URL.Query().Get("hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > overviewHours {
			return badRequest("hours %q: a whole number from 1 to %d", v, overviewHours)
		}
		hours = n
	}
	p := store.LastHours(s.now(), hours)
	c, err := s.calls.Activity(r.Context(), p)
	if err != nil {
		return err
	}
	m, err := s.msg.Activity(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, 200, overviewView{
		Since: p.From, Until: p.To(), Hours: p.Count,
		Calls:    overviewCalls{Total: c.Total, ByHour: c.ByHour},
		Messages: overviewMessages{Total: m.Total, Received: m.Received, Sent: m.Sent, Succeeded: m.Succeeded, Failed: m.Failed, ByHour: m.ByHour},
		Runs:     overviewRuns{Failed: c.FailedRuns, Pending: c.PendingRuns},
		Backlog:  overviewBacklog{Jobs: c.JobsWaiting, Outbound: m.Outbound, Offers: m.Offers},
	})
	return nil
}
