package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// createContact creates a contact by hand (the agent during a call): the
// template's CreateNewContact request for the contact type.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ContactType string `json:"contactType"`
		FirstName   string `json:"firstName"`
		LastName    string `json:"lastName"`
		Number      string `json:"number"`
		CallID      string `json:"callId"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	if strings.TrimSpace(body.Number) == "" {
		return badRequest("number is required")
	}
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// The call is checked before anything reaches the helpdesk: a contact
	// created for a call that cannot take it would be left behind.
	if body.CallID != "" {
		_, call, err := s.loadCall(r.Context(), body.CallID)
		if err != nil {
			return err
		}
		if p := principalFrom(r.Context()); p.Role == store.RoleAgent && p.Extension != call.Extension {
			return errorf(http.StatusForbidden, "forbidden", "call %s is not on your extension", body.CallID)
		}
	}
	client, err := s.integ.Client(r.Context(), in)
	if err != nil {
		return err
	}
	sc := client.Template().Scenario(templates.ScenarioCreateContact)
	if sc == nil {
		return errorf(http.StatusConflict, "not_supported", "the template has no CreateNewContact scenario")
	}
	if body.ContactType == "" && len(sc.Requests) == 1 {
		body.ContactType = sc.Requests[0].Name
	}
	if sc.Request(body.ContactType) == nil {
		return badRequest("contactType %q is not one the template creates (%s)", body.ContactType, strings.Join(sc.RequestNames(), ", "))
	}
	name := strings.TrimSpace(body.FirstName + " " + body.LastName)
	vars := engine.Vars{"FirstName": body.FirstName, "LastName": body.LastName, "BusinessNumber": body.Number,
		"DisplayName": firstNonEmpty(name, body.Number), "Phone": body.Number, "ContactSyncType": body.ContactType}
	res := client.Run(r.Context(), templates.ScenarioCreateContact, vars, engine.RunOptions{Requests: []string{body.ContactType}})
	if res.Err != nil {
		return remoteFailure(r, "creating the contact", res)
	}
	id := res.Vars["ContactId"]
	if body.CallID != "" {
		if _, err := s.store.UpdateCallLink(r.Context(), body.CallID, in.ID, func(m map[string]string) {
			m["ContactId"], m["ContactSyncType"], m["ContactCreated"] = id, body.ContactType, "1"
		}); err != nil {
			return err
		}
	}
	if key := scenarios.Digits(body.Number); key != "" && id != "" {
		c := scenarios.Contact{Type: body.ContactType, Values: map[string]string{"ContactsId": id, "FirstName": body.FirstName, "LastName": body.LastName, "BusinessNumber": body.Number}}
		data, _ := json.Marshal(c) // strings always marshal
		if err := s.store.PutGroupContacts(r.Context(), []store.GroupContact{{IntegrationID: in.ID, ContactType: body.ContactType, ContactID: id, NumberKey: key, Data: data}}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"contactId": id, "contactType": body.ContactType, "outputs": res.Vars})
	return nil
}

// contactGroup lists the local contact group (contacts the lookups found),
// by number.
func (s *Server) contactGroup(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	number := scenarios.Digits(r.URL.Query().Get("number"))
	if number == "" {
		return badRequest("number is required: the group is read by phone number")
	}
	found, err := s.store.FindGroupContacts(r.Context(), in.ID, number)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	out := []scenarios.Contact{}
	for _, g := range found {
		var c scenarios.Contact
		if json.Unmarshal(g.Data, &c) == nil {
			out = append(out, c)
		}
	}
	writeJSON(w, 200, map[string]any{"number": number, "contacts": out})
	return nil
}
