package server

import (
	"net/http"
	"net/mail"
	"regexp"
	"strings"

	"github.com/switchboard/switchboard/store"
)

var extensionNumber = regexp.MustCompile(`^[0-9*#]{1,32}$`)

func (s *Server) putExtension(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("number")
	if !extensionNumber.MatchString(number) {
		return badRequest("extension %q: an extension number is 1 to 32 digits", number)
	}
	var body struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Email     string `json:"email"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	if e := strings.TrimSpace(body.Email); e != "" {
		if _, err := mail.ParseAddress(e); err != nil {
			return badRequest("email %q is not an e-mail address", e)
		}
	}
	ext := store.Extension{Number: number, FirstName: body.FirstName, LastName: body.LastName, Email: strings.TrimSpace(body.Email)}
	if err := s.store.PutExtension(r.Context(), ext); err != nil {
		return err
	}
	writeJSON(w, 200, map[string]string{"number": ext.Number, "firstName": ext.FirstName, "lastName": ext.LastName, "email": ext.Email})
	return nil
}

func (s *Server) listExtensions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListExtensions(r.Context())
	if err != nil {
		return err
	}
	type view struct {
		Number    string `json:"number"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Email     string `json:"email"`
	}
	out := make([]view, 0, len(list))
	for _, e := range list {
		out = append(out, view{e.Number, e.FirstName, e.LastName, e.Email})
	}
	writeJSON(w, 200, map[string]any{"extensions": out})
	return nil
}
