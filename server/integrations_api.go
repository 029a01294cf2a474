package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/store"
)

type integrationView struct {
	ID           string            `json:"id"`
	TemplateID   string            `json:"templateId"`
	Status       string            `json:"status"`
	StatusReason string            `json:"statusReason,omitempty"`
	AuthorizeURL string            `json:"authorizeUrl,omitempty"`
	Fields       map[string]string `json:"fields"`
	SecretFields []string          `json:"secretFields"` // set, never shown
	Settings     json.RawMessage   `json:"settings"`
	GlobalVars   map[string]string `json:"globalVars"`
	// Warnings are settings just saved that cannot do what they say.
	Warnings    []string  `json:"warnings,omitempty"`
	ConnectedAt time.Time `json:"connectedAt,omitzero"` // the last connection check that passed
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func viewIntegration(in *store.Integration) integrationView {
	v := integrationView{ID: in.ID, TemplateID: in.TemplateID, Status: in.Status, StatusReason: in.StatusReason,
		Fields: in.Fields, SecretFields: []string{}, Settings: json.RawMessage(in.Settings), GlobalVars: in.GlobalVars,
		ConnectedAt: in.ConnectedAt, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
	for k := range in.Secrets {
		v.SecretFields = append(v.SecretFields, k)
	}
	sort.Strings(v.SecretFields)
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if v.GlobalVars == nil {
		v.GlobalVars = map[string]string{}
	}
	if len(v.Settings) == 0 {
		v.Settings = json.RawMessage("{}")
	}
	return v
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		TemplateID string            `json:"templateId"`
		Fields     map[string]string `json:"fields"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	c, err := s.integ.Create(r.Context(), body.TemplateID, body.Fields)
	if err != nil {
		return integrationError(err)
	}
	v := viewConnection(c)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// viewConnection shows an integration after a connect, with the address
// the admin authorizes at when it waits for that. A failure is a status
// with its reason, not an API error.
func viewConnection(c integrations.Connection) integrationView {
	v := viewIntegration(c.Integration)
	v.AuthorizeURL = c.AuthorizeURL
	return v
}

// integrationError answers the runtime's refusals as the API always has.
func integrationError(err error) error {
	var ie *integrations.InvalidError
	if errors.As(err, &ie) {
		return badRequest("%s", ie.Message)
	}
	return fieldsError(err)
}

// oauthCallback completes an authorization: the state must be one this
// service issued for this integration, unused and unexpired.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) error {
	id, q := r.PathValue("id"), r.URL.Query()
	if err := s.integ.TakeState(r.Context(), id, q.Get("state")); errors.Is(err, integrations.ErrUnknownState) {
		return badRequest("%v", err)
	} else if err != nil {
		return err
	}
	in, err := s.store.GetIntegration(r.Context(), id)
	if err != nil {
		return err
	}
	// The page says how it went and takes the browser back to the
	// integration's console page, which shows the status and its reason.
	back := "/integrations/" + url.PathEscape(id)
	if ch, err := s.isChannel(r.Context(), id); err != nil {
		return err
	} else if ch {
		back = "/channels"
	}
	page := func(status int, msg string) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, err := fmt.Fprintf(w, `<!doctype html><meta http-equiv="refresh" content="2;url=%[1]s"><title>Switchboard</title><p>%[2]s</p><p><a href="%[1]s">Back to Switchboard</a></p>`,
			html.EscapeString(back), html.EscapeString(msg))
		return err
	}
	if e := q.Get("error"); e != "" {
		c, err := s.integ.Fail(r.Context(), in, strings.TrimSpace("the provider refused: "+e+" "+q.Get("error_description")))
		if err != nil {
			return err
		}
		return page(http.StatusBadRequest, c.Integration.StatusReason)
	}
	c, err := s.integ.Authorize(r.Context(), in, q.Get("code"))
	var exchange *integrations.ExchangeError
	switch {
	case errors.Is(err, integrations.ErrNotOAuth2):
		return badRequest("this integration does not use OAuth2")
	case errors.As(err, &exchange):
		return page(http.StatusBadGateway, "Authorization failed: "+exchange.Error())
	case err != nil:
		return err
	case c.Integration.Status != store.StatusConnected:
		return page(http.StatusBadGateway, "Authorized, but the integration failed: "+c.Integration.StatusReason)
	}
	if back != "/channels" {
		back += "?connected=1"
	}
	return page(http.StatusOK, "Switchboard is connected. Taking you back to the integration…")
}

// integrationByID returns a helpdesk or CRM integration. A channel's
// integration is the channel's business: /api/v1/channels.
func (s *Server) integrationByID(ctx context.Context, id string) (*store.Integration, error) {
	in, err := s.store.GetIntegration(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("integration " + id)
	}
	if err != nil {
		return nil, err
	}
	if ch, err := s.isChannel(ctx, id); err != nil {
		return nil, err
	} else if ch {
		return nil, notFound("integration " + id + " (it is a channel: see /api/v1/channels/" + id + ")")
	}
	return in, nil
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListIntegrations(r.Context())
	if err != nil {
		return err
	}
	channels, err := s.channelIDs(r.Context())
	if err != nil {
		return err
	}
	out := make([]integrationView, 0, len(list))
	for _, in := range list {
		if _, isChannel := slices.BinarySearch(channels, in.ID); isChannel {
			continue
		}
		out = append(out, viewIntegration(in))
	}
	writeJSON(w, 200, map[string]any{"integrations": out})
	return nil
}

func (s *Server) getIntegration(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, viewIntegration(in))
	return nil
}

func (s *Server) deleteIntegration(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.integrationByID(r.Context(), id); err != nil {
		return err
	}
	if err := s.integ.Delete(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("integration " + id)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// updateFields replaces the field values (secret ones left out keep theirs)
// and connects again with them.
func (s *Server) updateFields(w http.ResponseWriter, r *http.Request) error {
	in, err := s.integrationByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Fields map[string]string `json:"fields"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	c, err := s.integ.UpdateFields(r.Context(), in, body.Fields)
	if err != nil {
		return integrationError(err)
	}
	v := viewConnection(c)
	writeJSON(w, 200, v)
	return nil
}

// RefreshGlobalInfo runs GetGlobalInfo for every connected integration, as
// at start-up, keeping the outputs.
func (s *Server) RefreshGlobalInfo(ctx context.Context) { s.integ.RefreshGlobalInfo(ctx) }
