package scenarios

import (
	"slices"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Steps of a call, each done at most once per call and integration.
const (
	StepLookup        = "lookup"
	StepCreateContact = "createContact"
	StepCreateTicket  = "createTicket"
	StepUpdateTicket  = "updateTicket"
	StepJournal       = "journal"
)

// Step is one thing to do for a call: a scenario, optionally limited to
// some of its requests.
type Step struct {
	Name     string
	Scenario string
	Requests []string
}

// AfterCallType names a finished call for the after-call ticket settings:
// inboundAnswered, inboundMissed, outboundAnswered or outboundUnanswered.
func AfterCallType(c *Call) string {
	switch {
	case c.Direction == Inbound && c.Answered():
		return "inboundAnswered"
	case c.Direction == Inbound:
		return "inboundMissed"
	case c.Answered():
		return "outboundAnswered"
	default:
		return "outboundUnanswered"
	}
}

// Plan lists the steps due for a call in its current state, in the order of
// DESIGN §4: lookup → contact creation → ticket (create or update) →
// journal. Steps already done are the caller's to skip; a step that turns
// out to have nothing to do (a contact to create when one was found) is
// decided when it runs.
func Plan(c *Call, st Settings, t *engine.Template) []Step {
	has := func(id string) bool { return t.Scenario(id) != nil }
	feature := func(attr string) bool { return t.Source.Root.AttrValue(attr) == "1" }
	needSync := func(id string) bool {
		sc := t.Scenario(id)
		return sc != nil && sc.Setting("NeedSyncContact") == "1"
	}
	var steps []Step
	ended := c.State == EventHangup

	ticketBefore := st.Ticket != nil && st.Ticket.Enabled && st.Ticket.When == "beforeCall" && slices.Contains(st.Ticket.CallTypes, c.Direction)
	ticketAfter := st.Ticket != nil && st.Ticket.Enabled && st.Ticket.When == "afterCall" && ended && slices.Contains(st.Ticket.CallTypes, AfterCallType(c))
	journal := st.CallJournal != nil && st.CallJournal.Enabled && ended && feature("CallJournal") && has(templates.ScenarioCallJournal)
	createContact := st.ContactCreation != nil && st.ContactCreation.Enabled && st.ContactCreation.Mode == "auto" &&
		slices.Contains(st.ContactCreation.CallTypes, c.Direction) && feature("CreateNewContact") && has(templates.ScenarioCreateContact)
	ticketOK := feature("CreateNewTicket") && has(templates.ScenarioCreateTicket)

	lookup := st.ContactSync != nil && st.ContactSync.Enabled ||
		createContact ||
		(ticketBefore || ticketAfter) && needSync(templates.ScenarioCreateTicket) ||
		journal && needSync(templates.ScenarioCallJournal)
	if lookup && has(templates.ScenarioSyncContact) {
		var types []string
		if st.ContactSync != nil {
			types = st.ContactSync.ContactTypes
		}
		steps = append(steps, Step{Name: StepLookup, Scenario: templates.ScenarioSyncContact, Requests: types})
	}
	if createContact {
		steps = append(steps, Step{Name: StepCreateContact, Scenario: templates.ScenarioCreateContact, Requests: []string{st.ContactCreation.ContactType}})
	}
	if ticketOK && ticketBefore {
		steps = append(steps, Step{Name: StepCreateTicket, Scenario: templates.ScenarioCreateTicket, Requests: []string{"CreateNewTicket"}})
		if ended && t.Scenario(templates.ScenarioCreateTicket).Request(templates.RequestUpdateTicket) != nil {
			steps = append(steps, Step{Name: StepUpdateTicket, Scenario: templates.ScenarioCreateTicket, Requests: []string{templates.RequestUpdateTicket}})
		}
	}
	if ticketOK && ticketAfter {
		steps = append(steps, Step{Name: StepCreateTicket, Scenario: templates.ScenarioCreateTicket, Requests: []string{"CreateNewTicket"}})
	}
	if journal {
		steps = append(steps, Step{Name: StepJournal, Scenario: templates.ScenarioCallJournal})
	}
	return steps
}
