package server

import (
	"net/http"

	"github.com/switchboard/switchboard/store"
)

type userView struct {
	ID         string   `json:"id"`
	FirstName  string   `json:"firstName"`
	LastName   string   `json:"lastName"`
	Email      string   `json:"email"`
	Extensions []string `json:"extensions"`
}

func viewUser(u store.HelpdeskUser) userView {
	exts := u.Extensions
	if exts == nil {
		exts = []string{}
	}
	return userView{u.UserID, u.FirstName, u.LastName, u.Email, exts}
}

func viewUsers(list []store.HelpdeskUser) []userView {
	out := make([]userView, 0, len(list))
	for _, u := range list {
		out = append(out, viewUser(u))
	}
	return out
}

type bindingView struct {
	UserID    string `json:"userId"`
	Extension string `json:"extension"`
}

// syncUsers reads the helpdesk's users (integrations.Runtime.SyncUsers).
func (s *Server) syncUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	users, pages, err := s.integ.SyncUsers(r.Context(), in)
	if err != nil {
		return domainError(r, err)
	}
	writeJSON(w, 200, map[string]any{"users": viewUsers(users), "pages": pages})
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

// autobindUsers binds users to the extensions with their e-mail address
// (integrations.Runtime.Autobind).
func (s *Server) autobindUsers(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	made, err := s.integ.Autobind(r.Context(), in)
	if err != nil {
		return err
	}
	out := make([]bindingView, 0, len(made))
	for _, b := range made {
		out = append(out, bindingView{b.UserID, b.Extension})
	}
	writeJSON(w, 200, map[string]any{"bound": out})
	return nil
}

// bindUser sets a user's extensions (integrations.Runtime.BindUser).
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
	u, err := s.integ.BindUser(r.Context(), in, r.PathValue("userId"), body.Extensions)
	if err != nil {
		return domainError(r, err)
	}
	writeJSON(w, 200, viewUser(u))
	return nil
}
