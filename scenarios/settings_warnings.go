package scenarios

import (
	"slices"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// SettingsWarnings lists settings that are valid but cannot do what they
// say with this template, so that saving them is not the last anyone hears
// of it: each would make calls skip a step quietly.
func SettingsWarnings(st *Settings, c *engine.Template) []string {
	var out []string
	journalOn := st.CallJournal != nil && st.CallJournal.Enabled
	ticketOn := st.Ticket != nil && st.Ticket.Enabled
	if journalOn && !ticketOn && readsTicket(c.Scenario(templates.ScenarioCallJournal)) {
		out = append(out, "callJournal: this template writes the journal on the call's ticket (its URL reads TicketId), "+
			"but tickets are off: every journal will be skipped; turn the ticket on or use a template that journals without one")
	}
	return out
}

// readsTicket reports whether every request of a scenario needs TicketId
// in its URL: without a ticket the URL renders empty and the request is
// skipped.
func readsTicket(sc *engine.Scenario) bool {
	if sc == nil || len(sc.Requests) == 0 {
		return false
	}
	for _, r := range sc.Requests {
		if !slices.Contains(r.URL.Variables(), "TicketId") {
			return false
		}
	}
	return true
}
