package server

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// searchContacts searches the helpdesk's contacts by number or text
// (calls.Service.SearchContacts); admins also get the trace.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	// The service checks it too; here it comes before the integration is
	// looked up, as the route has always answered.
	if q == "" {
		return badRequest("q is required: a phone number or text to search for")
	}
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	found, err := s.calls.SearchContacts(r.Context(), in, q)
	if err != nil {
		return domainError(r, err)
	}
	contacts := found.Contacts
	if contacts == nil {
		contacts = []scenarios.Contact{}
	}
	out := map[string]any{"query": q, "by": found.By, "contacts": contacts}
	if principalFrom(r.Context()).Role == store.RoleAdmin {
		out["trace"] = found.Trace // masked; for admins checking a template
	}
	writeJSON(w, 200, out)
	return nil
}
