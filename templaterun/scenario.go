package templaterun

import (
	"context"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/templates"
)

// isLookup reports whether the scenario finds contacts, whose rows get the
// pop-up URL an agent would be shown.
func isLookup(scenario string) bool {
	return scenario == templates.ScenarioSyncContact || scenario == templates.ScenarioSearchContact
}

// runLookup runs SyncContactAuto or SearchContact the way the service does
// (scenarios.LookupContacts / SearchContacts), so the rows come back with
// the URL the screen pop would open: URLFormat rendered for the contact, or
// the ContactFieldForUri value read from the answer.
func runLookup(ctx context.Context, client *engine.Client, scenario string, vars engine.Vars, requests []string) (*engine.Result, []Row) {
	var contacts []scenarios.Contact
	var res *engine.Result
	if scenario == templates.ScenarioSearchContact {
		types := make([]string, len(requests))
		for i, r := range requests {
			types[i] = strings.TrimPrefix(r, templates.SearchContactRequestPref)
		}
		contacts, res = scenarios.SearchContacts(ctx, client, vars["SearchValue"], vars, types)
	} else {
		contacts, res = scenarios.LookupContacts(ctx, client, vars, requests)
	}
	// The contacts are made from the result's rows, one each and in order.
	rows := make([]Row, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = Row{Request: r.Request, Values: r.Values}
		if i < len(contacts) {
			rows[i].ContactURL = contacts[i].URL
		}
	}
	return res, rows
}

// defaultRequests is what a scenario runs when no request is named. As in
// the service, CreateNewTicket opens the ticket only: UpdateTicket runs at
// hangup on a ticket opened before the call, so it is run only when asked
// for (request UpdateTicket with the variable TicketId).
func defaultRequests(sc *engine.Scenario, scenario string, requests []string) ([]string, error) {
	if len(requests) > 0 || scenario != templates.ScenarioCreateTicket {
		return requests, nil
	}
	if sc.Request(templates.ScenarioCreateTicket) != nil {
		return []string{templates.ScenarioCreateTicket}, nil
	}
	names := slices.DeleteFunc(sc.RequestNames(), func(n string) bool { return n == templates.RequestUpdateTicket })
	if len(names) == 0 {
		return nil, inputErr("scenario %s has only %s, which adds to a ticket opened before the call; run the request %s with the variable TicketId",
			scenario, templates.RequestUpdateTicket, templates.RequestUpdateTicket)
	}
	return names, nil
}

func rowsOf(res *engine.Result) []Row {
	rows := make([]Row, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = Row{Request: r.Request, Values: r.Values}
	}
	return rows
}

// channelDefaults fills in what the service gives a channel scenario when
// the caller does not: a fresh challenge, an empty media list.
func channelDefaults(scenario string, vars engine.Vars) {
	switch scenario {
	case templates.ScenarioVerifyChannel:
		if vars["Challenge"] == "" {
			vars["Challenge"] = messaging.NewChallenge()
		}
	case templates.ScenarioSendMessage:
		if strings.TrimSpace(vars["MediaUrls"]) == "" {
			vars["MediaUrls"] = "[]"
		}
	}
}

func channelResult(t *engine.Template, scenario string, res *engine.Result, vars engine.Vars) (*ChannelOutcome, error) {
	d, err := messaging.Define(t)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	switch scenario {
	case templates.ScenarioVerifyChannel:
		status, reason := d.ChannelStatus(res, vars)
		return &ChannelOutcome{ChannelStatus: status, StatusReason: reason}, nil
	case templates.ScenarioSendMessage:
		if f := d.SendFailure(res); f != nil {
			return &ChannelOutcome{SendFailure: f.Message, FailureKind: f.Kind}, nil
		}
	}
	return nil, nil
}
