package calls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// NewContact is a contact created by hand, by the agent during a call.
type NewContact struct {
	// ContactType is the CreateNewContact request to send; "" when the
	// template has only one.
	ContactType         string
	FirstName, LastName string
	Number              string // required
	// CallID, when set, is the call the contact becomes the contact of.
	CallID string
}

// CreatedContact is a contact the helpdesk created.
type CreatedContact struct {
	ID, Type string
	URL      string      // its page in the helpdesk, when the template formats contact URLs
	Outputs  engine.Vars // of the CreateNewContact run
}

// CreateContact creates a contact through the template's CreateNewContact
// request for its type, links it to the call when one is given, and adds
// it to the local contact group, so the next call from the number finds
// it without asking the helpdesk. Bad input is an *InvalidError; an
// unknown call store.ErrNotFound; a template without the scenario an
// *integrations.NoScenarioError; the helpdesk failing an
// *integrations.RemoteError.
func (s *Service) CreateContact(ctx context.Context, in *store.Integration, nc NewContact) (CreatedContact, error) {
	if strings.TrimSpace(nc.Number) == "" {
		return CreatedContact{}, invalid("number is required")
	}
	// The call is checked before anything reaches the helpdesk: a contact
	// created for a call that cannot take it would be left behind.
	if nc.CallID != "" {
		if _, err := s.store.GetCall(ctx, nc.CallID); err != nil {
			return CreatedContact{}, fmt.Errorf("call %s: %w", nc.CallID, err)
		}
	}
	conn, err := s.rt.Conn(ctx, in)
	if err != nil {
		return CreatedContact{}, err
	}
	sc := conn.Client.Template().Scenario(templates.ScenarioCreateContact)
	if sc == nil {
		return CreatedContact{}, &integrations.NoScenarioError{Scenario: templates.ScenarioCreateContact}
	}
	if nc.ContactType == "" && len(sc.Requests) == 1 {
		nc.ContactType = sc.Requests[0].Name
	}
	if sc.Request(nc.ContactType) == nil {
		return CreatedContact{}, invalid("contactType %q is not one the template creates (%s)", nc.ContactType, strings.Join(sc.RequestNames(), ", "))
	}
	vars := engine.Vars{"FirstName": nc.FirstName, "LastName": nc.LastName, "BusinessNumber": nc.Number,
		"DisplayName": firstNonEmpty(strings.TrimSpace(nc.FirstName+" "+nc.LastName), nc.Number), "Phone": nc.Number, "ContactSyncType": nc.ContactType}
	res := conn.Client.Run(ctx, templates.ScenarioCreateContact, vars, engine.RunOptions{Requests: []string{nc.ContactType}})
	if res.Err != nil {
		return CreatedContact{}, &integrations.RemoteError{Op: "creating the contact", Err: res.Err, Trace: res.Trace}
	}
	created := CreatedContact{ID: res.Vars["ContactId"], Type: nc.ContactType, Outputs: res.Vars}
	if created.ID != "" {
		created.URL = scenarios.ContactURL(conn.Client, vars, scenarios.Contact{Type: created.Type,
			Values: map[string]string{"ContactsId": created.ID, "FirstName": nc.FirstName, "LastName": nc.LastName}})
	}
	return created, s.keepContact(ctx, in.ID, nc, created)
}

// keepContact links a created contact to its call, marked as created, so
// the call's later steps are about it and its createContact step makes no
// other; and adds it to the local group under its number.
func (s *Service) keepContact(ctx context.Context, integrationID string, nc NewContact, c CreatedContact) error {
	if nc.CallID != "" {
		if _, err := s.store.UpdateCallLink(ctx, nc.CallID, integrationID, func(m map[string]string) {
			m["ContactId"], m["ContactSyncType"], m["ContactCreated"] = c.ID, c.Type, "1"
			m["ContactUrl"], m["FirstName"], m["LastName"] = c.URL, nc.FirstName, nc.LastName
		}); err != nil {
			return err
		}
	}
	if c.ID == "" {
		return nil // the helpdesk did not say which: nothing to find it by
	}
	contact := scenarios.Contact{Type: c.Type, Values: map[string]string{"ContactsId": c.ID, "FirstName": nc.FirstName,
		"LastName": nc.LastName, "BusinessNumber": nc.Number}}
	entries := groupEntries(integrationID, []scenarios.Contact{contact})
	if len(entries) == 0 {
		return nil // a number without digits: nothing to find it by either
	}
	return s.store.PutGroupContacts(ctx, entries)
}

// ContactGroup returns the contacts of an integration's local group (the
// contacts lookups found or agents created) under a number, matched by its
// digits.
func (s *Service) ContactGroup(ctx context.Context, integrationID, number string) ([]scenarios.Contact, error) {
	key := scenarios.Digits(number)
	if key == "" {
		return nil, invalid("number is required: the group is read by phone number")
	}
	found, err := s.store.FindGroupContacts(ctx, integrationID, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	out := []scenarios.Contact{}
	for _, g := range found {
		var c scenarios.Contact
		if json.Unmarshal(g.Data, &c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}
