package cli

import (
	"context"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/templates"
)

// runRow is a row of `template run` output: the engine's row and, for a
// contact lookup, the contact's pop-up URL as the service computes it
// (ContactUrlType on SyncContactAuto).
type runRow struct {
	Request    string            `json:"request"`
	Values     map[string]string `json:"values"`
	ContactURL string            `json:"contactUrl,omitempty"`
}

// isLookup reports whether the scenario finds contacts, whose rows get the
// pop-up URL an agent would be shown.
func isLookup(scenario string) bool {
	return scenario == templates.ScenarioSyncContact || scenario == templates.ScenarioSearchContact
}

// runLookup runs SyncContactAuto or SearchContact the way the service does
// (scenarios.LookupContacts / SearchContacts), so the rows come back with
// the URL the screen pop would open: URLFormat rendered for the contact, or
// the ContactFieldForUri value read from the answer.
func runLookup(ctx context.Context, client *engine.Client, scenario string, vars engine.Vars, requests []string) (*engine.Result, []runRow) {
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
	rows := make([]runRow, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = runRow{Request: r.Request, Values: r.Values}
		if i < len(contacts) {
			rows[i].ContactURL = contacts[i].URL
		}
	}
	return res, rows
}

// defaultRequests is what a scenario runs when --request is not given. As
// in the service, CreateNewTicket opens the ticket only: UpdateTicket runs
// at hangup on a ticket opened before the call, so it is run only when
// asked for (--request UpdateTicket --var TicketId=…).
func defaultRequests(sc *engine.Scenario, scenario string, requests []string) ([]string, error) {
	if len(requests) > 0 || scenario != templates.ScenarioCreateTicket {
		return requests, nil
	}
	if sc.Request(templates.ScenarioCreateTicket) != nil {
		return []string{templates.ScenarioCreateTicket}, nil
	}
	names := slices.DeleteFunc(sc.RequestNames(), func(n string) bool { return n == templates.RequestUpdateTicket })
	if len(names) == 0 {
		return nil, usageErr("scenario %s has only %s, which adds to a ticket opened before the call; pass --request %s --var TicketId=…",
			scenario, templates.RequestUpdateTicket, templates.RequestUpdateTicket)
	}
	return names, nil
}

func rowsOf(res *engine.Result) []runRow {
	rows := make([]runRow, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = runRow{Request: r.Request, Values: r.Values}
	}
	return rows
}
