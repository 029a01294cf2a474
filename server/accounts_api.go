package server

import (
	"context"
	"net/http"

	"github.com/switchboard/switchboard/accounts"
)

// The people who sign in to the web console, for admins.

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string `json:"name"`
		Email     string `json:"email"`
		Role      string `json:"role"`
		Extension string `json:"extension"`
		Password  string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.accounts.CreateUser(r.Context(), accounts.NewUser{Name: in.Name, Email: in.Email, Role: in.Role, Extension: in.Extension, Password: in.Password})
	if err != nil {
		return accountsError(w, err)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": viewAccount(*u)})
	return nil
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	list, err := s.accounts.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]accountView, 0, len(list))
	for _, u := range list {
		out = append(out, viewAccount(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

// endStreams ends the open event streams of sessions: signed out, or
// seeing differently now.
func (s *Server) endStreams(ctx context.Context, sessionIDs []string) {
	for _, id := range sessionIDs {
		s.revoke(ctx, sessionCredential(id))
	}
}

// disableAccount disables an account: its sessions end, with their
// streams.
func (s *Server) disableAccount(w http.ResponseWriter, r *http.Request) error {
	u, ended, err := s.accounts.DisableUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return accountsError(w, err)
	}
	s.endStreams(r.Context(), ended)
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAccount(*u)})
	return nil
}

func (s *Server) enableAccount(w http.ResponseWriter, r *http.Request) error {
	u, err := s.accounts.EnableUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return accountsError(w, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAccount(*u)})
	return nil
}

// setAccountPassword replaces a password: the account's sessions end,
// with their streams.
func (s *Server) setAccountPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	ended, err := s.accounts.SetPassword(r.Context(), r.PathValue("id"), in.Password)
	if err != nil {
		return accountsError(w, err)
	}
	s.endStreams(r.Context(), ended)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchAccount changes a role or an extension. The account's open streams
// end, to be opened again with what it sees now.
func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Role      *string `json:"role"`
		Extension *string `json:"extension"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, sessions, err := s.accounts.UpdateUser(r.Context(), r.PathValue("id"), accounts.Change{Role: in.Role, Extension: in.Extension})
	if err != nil {
		return accountsError(w, err)
	}
	s.endStreams(r.Context(), sessions)
	writeJSON(w, http.StatusOK, map[string]any{"user": viewAccount(*u)})
	return nil
}
