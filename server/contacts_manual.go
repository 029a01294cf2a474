package server

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// createContact creates a contact by hand, the agent during a call
// (calls.Service.CreateContact).
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
	// The service checks it too; here it comes before the integration
	// and the call are, as the route has always answered.
	if strings.TrimSpace(body.Number) == "" {
		return badRequest("number is required")
	}
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// Who may attach a contact to the call is the route's concern: an
	// agent, to calls on their own extension only.
	if body.CallID != "" {
		_, call, err := s.loadCall(r.Context(), body.CallID)
		if err != nil {
			return err
		}
		if p := principalFrom(r.Context()); p.Role == store.RoleAgent && p.Extension != call.Extension {
			return errorf(http.StatusForbidden, "forbidden", "call %s is not on your extension", body.CallID)
		}
	}
	c, err := s.calls.CreateContact(r.Context(), in, calls.NewContact{ContactType: body.ContactType,
		FirstName: body.FirstName, LastName: body.LastName, Number: body.Number, CallID: body.CallID})
	if err != nil {
		return domainError(r, err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"contactId": c.ID, "contactType": c.Type, "url": c.URL, "outputs": c.Outputs})
	return nil
}

// contactGroup lists the local contact group (contacts the lookups found),
// by number.
func (s *Server) contactGroup(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	number := r.URL.Query().Get("number")
	contacts, err := s.calls.ContactGroup(r.Context(), in.ID, number)
	if err != nil {
		return domainError(r, err)
	}
	writeJSON(w, 200, map[string]any{"number": scenarios.Digits(number), "contacts": contacts})
	return nil
}
