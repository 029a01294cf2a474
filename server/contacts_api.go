package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

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

// searchContacts looks a number up through SyncContactAuto (the contact
// types the settings select) and text through SearchContact.
func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return badRequest("q is required: a phone number or text to search for")
	}
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if in.Status != store.StatusConnected {
		return errorf(http.StatusConflict, "not_connected", "the integration is %s: %s", in.Status, in.StatusReason)
	}
	client, err := s.integ.Client(r.Context(), in)
	if err != nil {
		return err
	}
	st := scenarios.ParseSettings(in.Settings)
	var types []string
	if st.ContactSync != nil {
		types = st.ContactSync.ContactTypes
	}
	var contacts []scenarios.Contact
	var res *engine.Result
	by := "text"
	if phoneLike(q) {
		by = "number"
		contacts, res = scenarios.LookupContacts(r.Context(), client, engine.Vars{"Phone": q, "CallerNumber": q}, types)
	} else {
		contacts, res = scenarios.SearchContacts(r.Context(), client, q, nil, types)
	}
	if res.Err != nil {
		if errors.Is(res.Err, engine.ErrNoScenario) {
			return errorf(http.StatusConflict, "not_supported", "%s", res.Error)
		}
		return remoteFailure(r, "the helpdesk search", res)
	}
	if contacts == nil {
		contacts = []scenarios.Contact{}
	}
	out := map[string]any{"query": q, "by": by, "contacts": contacts}
	if principalFrom(r.Context()).Role == store.RoleAdmin {
		out["trace"] = res.Trace // masked; for admins checking a template
	}
	writeJSON(w, 200, out)
	return nil
}

// remoteFailure is the answer to a request whose run on the helpdesk
// failed: 502 with the error and the masked trace for admins. Agents learn
// that it failed, not the helpdesk's address, answer or trace: those are
// the admin's.
func remoteFailure(r *http.Request, what string, res *engine.Result) error {
	if principalFrom(r.Context()).Role != store.RoleAdmin {
		return errorf(http.StatusBadGateway, "remote_failed", "%s failed (%s); an administrator can see why", what, failureClass(res.Err))
	}
	return &apiError{Status: http.StatusBadGateway, Code: "remote_failed", Message: what + " failed: " + res.Error, Details: res.Trace}
}

// failureClass names a remote failure without its details.
func failureClass(err error) string {
	var se *engine.HTTPStatusError
	switch {
	case integrations.AuthFailure(err):
		return "the helpdesk refused the credentials"
	case errors.As(err, &se):
		return fmt.Sprintf("the helpdesk answered HTTP %d", se.Status)
	}
	return "the helpdesk could not be reached"
}
