package server

import (
	"encoding/json"
	"net/http"

	"github.com/switchboard/switchboard/scenarios"
)

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var st scenarios.Settings
	if err := decodeJSON(w, r, &st); err != nil {
		return err
	}
	c, err := s.rt.templateOf(r.Context(), in)
	if err != nil {
		return err
	}
	if problems := scenarios.ValidateSettings(&st, c); len(problems) > 0 {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_settings", Message: "the settings do not fit the template", Details: problems}
	}
	in.Settings, _ = json.Marshal(st) // a struct of plain values always marshals
	in.UpdatedAt = s.now()
	if err := s.store.UpdateIntegration(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, 200, viewIntegration(in))
	return nil
}
