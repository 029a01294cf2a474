package server

import (
	"net/http"
	"time"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/store"
)

// callSummaryView is one call of GET /api/v1/calls.
type callSummaryView struct {
	ID          string            `json:"id"`
	Direction   string            `json:"direction"`
	Extension   string            `json:"extension"`
	State       string            `json:"state"`
	Number      string            `json:"number"`
	Name        string            `json:"name,omitempty"` // the caller, as the PBX says
	StartTime   *time.Time        `json:"startTime,omitempty"`
	AnswerTime  *time.Time        `json:"answerTime,omitempty"`
	EndTime     *time.Time        `json:"endTime,omitempty"`
	Disposition string            `json:"disposition,omitempty"`
	Unrouted    string            `json:"unrouted,omitempty"`
	Contact     *foundContactView `json:"contact"`
	Ticket      *ticketView       `json:"ticket"`
	Steps       map[string]int    `json:"steps"` // total and each run status
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

type foundContactView struct {
	IntegrationID string `json:"integrationId"`
	ID            string `json:"id"`
	Name          string `json:"name"`
	URL           string `json:"url"`
}

type ticketView struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// listCalls lists calls newest first (calls.Service.ListCalls): an admin
// every call, an agent those of their own extension.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var page store.SessionFilter
	if err := paging(r, &page); err != nil {
		return err
	}
	p := principalFrom(r.Context())
	list, err := s.calls.ListCalls(r.Context(), calls.Viewer{Admin: p.Role == store.RoleAdmin, Extension: p.Extension},
		store.CallFilter{Extension: q.Get("extension"), Number: q.Get("number"), State: q.Get("state"), Limit: page.Limit, Offset: page.Offset})
	if err != nil {
		return domainError(r, err)
	}
	out := make([]callSummaryView, 0, len(list))
	for _, c := range list {
		v := callSummaryView{ID: c.Call.ID, Direction: c.Call.Direction, Extension: c.Call.Extension, State: c.Call.State,
			Number: c.Call.External.Number, Name: c.Call.External.Name, StartTime: timeOrNil(c.Call.StartTime),
			AnswerTime: timeOrNil(c.Call.AnswerTime), EndTime: timeOrNil(c.Call.EndTime), Disposition: c.Call.Disposition,
			Unrouted: c.Call.Unrouted, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
			Steps: map[string]int{"total": 0, store.RunPending: 0, store.RunRunning: 0, store.RunSucceeded: 0, store.RunFailed: 0, store.RunSkipped: 0}}
		if c.Contact != nil {
			v.Contact = &foundContactView{IntegrationID: c.Contact.IntegrationID, ID: c.Contact.ID, Name: c.Contact.Name, URL: c.Contact.URL}
		}
		if c.TicketID != "" {
			v.Ticket = &ticketView{ID: c.TicketID, URL: c.TicketURL}
		}
		for st, n := range c.Steps {
			v.Steps[st] += n
			v.Steps["total"] += n
		}
		out = append(out, v)
	}
	writeJSON(w, 200, map[string]any{"calls": out})
	return nil
}
