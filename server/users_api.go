package server

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

type userView struct {
	ID         string   `json:"id"`
	FirstName  string   `json:"firstName"`
	LastName   string   `json:"lastName"`
	Email      string   `json:"email"`
	Extensions []string `json:"extensions"`
}

func viewUsers(list []store.HelpdeskUser) []userView {
	out := make([]userView, 0, len(list))
	for _, u := range list {
		exts := u.Extensions
		if exts == nil {
			exts = []string{}
		}
		out = append(out, userView{u.UserID, u.FirstName, u.LastName, u.Email, exts})
	}
	return out
}

// syncUsers reads the helpdesk's users through UserAssociation (every page)
// and keeps them, with the bindings of users that remain.
func (s *Server) syncUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	client, err := s.integ.Client(r.Context(), in)
	if err != nil {
		return err
	}
	users, results, err := scenarios.SyncUsers(r.Context(), client, nil)
	if errors.Is(err, engine.ErrNoScenario) {
		return errorf(http.StatusConflict, "not_supported", "the template has no UserAssociation scenario")
	}
	if err != nil {
		var trace []engine.Exchange
		for _, res := range results {
			trace = append(trace, res.Trace...)
		}
		return &apiError{Status: http.StatusBadGateway, Code: "remote_failed", Message: "syncing users failed: " + err.Error(), Details: trace}
	}
	list := make([]store.HelpdeskUser, 0, len(users))
	for _, u := range users {
		list = append(list, store.HelpdeskUser{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	}
	if err := s.store.ReplaceUsers(r.Context(), in.ID, list); err != nil {
		return err
	}
	stored, err := s.store.ListUsers(r.Context(), in.ID)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"users": viewUsers(stored), "pages": len(results)})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.store.ListUsers(r.Context(), in.ID)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"users": viewUsers(list)})
	return nil
}

// autobindUsers binds each helpdesk user to the extensions with the same
// e-mail address (case-insensitive), leaving existing bindings as they are.
func (s *Server) autobindUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	users, err := s.store.ListUsers(r.Context(), in.ID)
	if err != nil {
		return err
	}
	exts, err := s.store.ListExtensions(r.Context())
	if err != nil {
		return err
	}
	bound := map[string]bool{}
	for _, u := range users {
		for _, e := range u.Extensions {
			bound[e] = true
		}
	}
	type binding struct {
		UserID    string `json:"userId"`
		Extension string `json:"extension"`
	}
	made := []binding{}
	for _, u := range users {
		email := strings.ToLower(strings.TrimSpace(u.Email))
		if email == "" {
			continue
		}
		add := slices.Clone(u.Extensions)
		for _, e := range exts {
			if bound[e.Number] || strings.ToLower(strings.TrimSpace(e.Email)) != email {
				continue
			}
			add = append(add, e.Number)
			bound[e.Number] = true
			made = append(made, binding{u.UserID, e.Number})
		}
		if len(add) != len(u.Extensions) {
			if err := s.store.SetUserExtensions(r.Context(), in.ID, u.UserID, add); err != nil {
				return err
			}
		}
	}
	writeJSON(w, 200, map[string]any{"bound": made})
	return nil
}

// bindUser sets a user's extensions. Each extension must exist and may be
// bound to one user of the integration only.
func (s *Server) bindUser(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Extensions []string `json:"extensions"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	userID := r.PathValue("userId")
	users, err := s.store.ListUsers(r.Context(), in.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(users, func(u store.HelpdeskUser) bool { return u.UserID == userID }) {
		return notFound("helpdesk user " + userID + " (sync the users first)")
	}
	for _, e := range body.Extensions {
		if _, err := s.store.GetExtension(r.Context(), e); errors.Is(err, store.ErrNotFound) {
			return badRequest("extension %s does not exist; create it with PUT /api/v1/extensions/%s", e, e)
		} else if err != nil {
			return err
		}
		for _, u := range users {
			if u.UserID != userID && slices.Contains(u.Extensions, e) {
				return errorf(http.StatusConflict, "conflict", "extension %s is already bound to user %s", e, u.UserID)
			}
		}
	}
	if err := s.store.SetUserExtensions(r.Context(), in.ID, userID, body.Extensions); err != nil {
		return err
	}
	list, err := s.store.ListUsers(r.Context(), in.ID)
	if err != nil {
		return err
	}
	for _, u := range viewUsers(list) {
		if u.ID == userID {
			writeJSON(w, 200, u)
		}
	}
	return nil
}
