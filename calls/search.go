package calls

import (
	"context"
	"errors"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// ContactSearch is what a search of the helpdesk's contacts found.
type ContactSearch struct {
	By       string // "number" or "text": how the query was searched
	Contacts []scenarios.Contact
	Trace    []engine.Exchange // masked; for whoever checks the template
}

// SearchContacts searches a connected integration's contacts: a query
// that looks like a phone number through SyncContactAuto, as a call's
// lookup would, and text through SearchContact, in the contact types the
// settings select (all when they select none). The group is not used nor
// filled: the agent asks the helpdesk. A blank query is an *InvalidError;
// an integration not connected an *integrations.NotConnectedError; a
// template without the scenario an *integrations.NoScenarioError; the
// helpdesk failing an *integrations.RemoteError.
func (s *Service) SearchContacts(ctx context.Context, in *store.Integration, q string) (*ContactSearch, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, invalid("q is required: a phone number or text to search for")
	}
	if in.Status != store.StatusConnected {
		return nil, &integrations.NotConnectedError{Status: in.Status, Reason: in.StatusReason}
	}
	conn, err := s.rt.Conn(ctx, in)
	if err != nil {
		return nil, err
	}
	var types []string
	if cs := conn.Settings.ContactSync; cs != nil {
		types = cs.ContactTypes
	}
	out := &ContactSearch{By: "text"}
	var res *engine.Result
	if phoneLike(q) {
		out.By = "number"
		out.Contacts, res = scenarios.LookupContacts(ctx, conn.Client, engine.Vars{"Phone": q, "CallerNumber": q}, types)
	} else {
		out.Contacts, res = scenarios.SearchContacts(ctx, conn.Client, q, nil, types)
	}
	if errors.Is(res.Err, engine.ErrNoScenario) {
		return nil, &integrations.NoScenarioError{Scenario: res.Scenario}
	}
	if res.Err != nil {
		return nil, &integrations.RemoteError{Op: "the helpdesk search", Err: res.Err, Trace: res.Trace}
	}
	out.Trace = res.Trace
	return out, nil
}

// phoneLike reports whether q is searched as a number: digits with the
// usual separators, at least three digits.
func phoneLike(q string) bool {
	digits := 0
	for i, c := range q {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, strings.ContainsRune(" ()./-", c):
		default:
			return false
		}
	}
	return digits >= 3
}
