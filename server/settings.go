package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
)

// updateSettings replaces an integration's settings (PUT): what the body
// leaves out is off.
func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) error {
	return s.saveSettings(w, r, false)
}

// patchSettings changes part of the settings (PATCH, a JSON merge patch,
// RFC 7396): what the body leaves out stays, null removes a feature.
func (s *Server) patchSettings(w http.ResponseWriter, r *http.Request) error {
	return s.saveSettings(w, r, true)
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, patch bool) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := s.jsonBody(w, r)
	if err != nil {
		return err
	}
	if patch {
		if body, err = mergePatch(in.Settings, body); err != nil {
			return err
		}
	}
	var st scenarios.Settings
	if err := decodeJSONBytes(body, &st); err != nil {
		return err
	}
	warnings, err := s.integ.SaveSettings(r.Context(), in, st)
	var se *integrations.SettingsError
	if errors.As(err, &se) {
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_settings", Message: "the settings do not fit the template", Details: se.Problems}
	}
	if err != nil {
		return err
	}
	v := viewIntegration(in)
	v.Warnings = warnings
	writeJSON(w, 200, v)
	return nil
}

// mergePatch applies a JSON merge patch (RFC 7396) to a JSON object.
func mergePatch(target, patch []byte) ([]byte, error) {
	var t, p any
	if len(target) > 0 {
		if err := json.Unmarshal(target, &t); err != nil {
			return nil, err // stored settings: always JSON
		}
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, badRequest("invalid JSON body: %v", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, badRequest("a settings patch is a JSON object of the settings to change")
	}
	out, _ := json.Marshal(merge(t, p)) // values that came from JSON always marshal
	return out, nil
}

func merge(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = merge(t[k], v)
	}
	return t
}
