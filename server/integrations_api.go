package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
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

// splitFields checks field values against the template's custom fields —
// unknown names, missing required ones, list values outside their options
// — and splits them into plain and secret values. keep holds the secret
// values already stored: a secret field left out of an update keeps its
// value.
func splitFields(c *engine.Template, in map[string]string, keep map[string]string) (map[string]string, map[string]string, error) {
	fields, secrets := map[string]string{}, map[string]string{}
	var problems []string
	defs := c.Source.CustomFields()
	names := make([]string, 0, len(defs))
	for _, f := range defs {
		names = append(names, f.Name)
	}
	for k := range in {
		if !slices.Contains(names, k) {
			problems = append(problems, fmt.Sprintf("unknown field %q%s", k, templates.DidYouMean(k, names)))
		}
	}
	urlFields := c.URLFields()
	for _, f := range defs {
		v, given := in[f.Name]
		if !given && f.IsSecret() && keep[f.Name] != "" {
			v, given = keep[f.Name], true
		}
		if strings.TrimSpace(v) == "" {
			v = f.DefaultValue()
		}
		switch {
		case strings.TrimSpace(v) == "" && fieldRequired(f):
			problems = append(problems, fmt.Sprintf("field %q (%s) is required", f.Name, f.Title))
			continue
		case editorOf(f) == "list" && v != "" && !slices.Contains(fieldOptions(f), v):
			problems = append(problems, fmt.Sprintf("field %q must be one of %s, not %q", f.Name, strings.Join(fieldOptions(f), ", "), v))
			continue
		case v != "" && slices.Contains(urlFields, f.Name):
			if msg := urlProblem(v); msg != "" {
				problems = append(problems, fmt.Sprintf("field %q (%s): %s", f.Name, f.Title, msg))
				continue
			}
		}
		if f.IsSecret() {
			if v != "" {
				secrets[f.Name] = v
			}
		} else {
			fields[f.Name] = v
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, nil, &apiError{Status: http.StatusBadRequest, Code: "invalid_fields", Message: "the fields do not fit the template", Details: problems}
	}
	return fields, secrets, nil
}

// urlProblem says what is wrong with the value of a field that begins the
// template's request URLs, or "" when it is an absolute http(s) URL.
func urlProblem(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	switch {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return ""
	case err == nil && u.Scheme == "" && !strings.HasPrefix(v, "/"):
		return fmt.Sprintf("%q is not a URL: it needs a scheme, e.g. \"https://%s\"", v, strings.TrimSpace(v))
	}
	return fmt.Sprintf("%q is not an absolute http or https URL, e.g. \"https://example.com\"", v)
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		TemplateID string            `json:"templateId"`
		Fields     map[string]string `json:"fields"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	t, err := s.store.GetTemplate(r.Context(), body.TemplateID)
	if errors.Is(err, store.ErrNotFound) {
		return badRequest("templateId %q: no such template", body.TemplateID)
	}
	if err != nil {
		return err
	}
	c, err := s.rt.compiled(t)
	if err != nil {
		return err
	}
	if c.Source.IsChannel() {
		return badRequest("template %s describes a messaging channel; connect it with POST /api/v1/channels", t.Key)
	}
	fields, secrets, err := splitFields(c, body.Fields, nil)
	if err != nil {
		return err
	}
	now := s.now()
	in := &store.Integration{ID: newID("int"), TemplateID: t.ID, Status: store.StatusAuthorizing, Fields: fields, Secrets: secrets,
		Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateIntegration(r.Context(), in); err != nil {
		return err
	}
	v, err := s.connect(r.Context(), in, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// connect brings an integration to its status: an oauth2 one waits for the
// admin's authorization (the view carries the authorize URL); the others
// get their credentials now — a bearer token is fetched — and run
// GetGlobalInfo. A failure is a status with its reason, not an API error.
func (s *Server) connect(ctx context.Context, in *store.Integration, c *engine.Template) (integrationView, error) {
	client, authz, err := s.rt.client(ctx, in)
	if err != nil {
		return s.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
	}
	if o, ok := authz.(*auth.OAuth2); ok {
		if tok, err := auth.DatabaseTokens(s.store).Load(ctx, in.ID); err == nil && tok != nil {
			return s.finishConnect(ctx, in, client)
		}
		state := auth.NewState()
		if err := s.store.SaveOAuthState(ctx, state, in.ID, s.now().Add(s.cfg.OAuthStateTTL)); err != nil {
			return integrationView{}, err
		}
		u, err := o.AuthorizeURL(s.redirectURI(c, in.ID), state)
		if err != nil {
			return s.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
		}
		return s.setStatus(ctx, in, store.StatusAuthorizing, "waiting for the administrator to authorize at the provider", u)
	}
	if authz != nil {
		if _, err := authz.Credentials(ctx); err != nil {
			return s.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
		}
	}
	return s.finishConnect(ctx, in, client)
}

// finishConnect checks the connection — GetGlobalInfo, whose outputs it
// keeps, or else a first page of users or one contact lookup — and marks
// the integration connected, or failed with the remote's answer.
func (s *Server) finishConnect(ctx context.Context, in *store.Integration, client *engine.Client) (integrationView, error) {
	check, res := scenarios.ConnectionCheck(ctx, client)
	if res != nil && res.Err != nil {
		return s.setStatus(ctx, in, store.StatusFailed, "the connection check ("+check+") failed: "+res.Error, "")
	}
	if check == templates.ScenarioGlobalInfo {
		in.GlobalVars = res.Vars
	}
	in.ConnectedAt = s.now()
	return s.setStatus(ctx, in, store.StatusConnected, "", "")
}

func (s *Server) setStatus(ctx context.Context, in *store.Integration, status, reason, authorizeURL string) (integrationView, error) {
	in.Status, in.StatusReason, in.UpdatedAt = status, reason, s.now()
	if err := s.store.UpdateIntegration(ctx, in); err != nil {
		return integrationView{}, err
	}
	if status == store.StatusFailed {
		s.log.Warn("integration failed", slog.String("integration", in.ID), slog.String("reason", reason))
	}
	v := viewIntegration(in)
	v.AuthorizeURL = authorizeURL
	return v, nil
}

// redirectURI is the OAuth callback of an integration:
// {public}/integration/callback/api/{crm|helpdesk}/{id}/.
func (s *Server) redirectURI(c *engine.Template, id string) string {
	kind := c.Source.Provider
	if kind != "crm" {
		kind = "helpdesk"
	}
	return fmt.Sprintf("%s/integration/callback/api/%s/%s/", s.cfg.PublicURL, kind, id)
}

// oauthCallback completes an authorization: the state must be one this
// service issued for this integration, unused and unexpired.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) error {
	id, q := r.PathValue("id"), r.URL.Query()
	owner, err := s.store.TakeOAuthState(r.Context(), q.Get("state"), s.now())
	if errors.Is(err, store.ErrNotFound) || (err == nil && owner != id) {
		return badRequest("the state is unknown, used, expired or not for this integration; start the authorization again")
	}
	if err != nil {
		return err
	}
	in, err := s.store.GetIntegration(r.Context(), id)
	if err != nil {
		return err
	}
	page := func(status int, msg string) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, err := fmt.Fprintf(w, "<!doctype html><title>Switchboard</title><p>%s</p>", html.EscapeString(msg))
		return err
	}
	if e := q.Get("error"); e != "" {
		reason := strings.TrimSpace("the provider refused: " + e + " " + q.Get("error_description"))
		if _, err := s.setStatus(r.Context(), in, store.StatusFailed, reason, ""); err != nil {
			return err
		}
		return page(http.StatusBadRequest, reason)
	}
	client, authz, err := s.rt.client(r.Context(), in)
	if err != nil {
		return err
	}
	o, ok := authz.(*auth.OAuth2)
	if !ok {
		return badRequest("this integration does not use OAuth2")
	}
	c, err := s.rt.templateOf(r.Context(), in)
	if err != nil {
		return err
	}
	if err := o.Exchange(r.Context(), q.Get("code"), s.redirectURI(c, in.ID)); err != nil {
		if _, serr := s.setStatus(r.Context(), in, store.StatusFailed, err.Error(), ""); serr != nil {
			return serr
		}
		return page(http.StatusBadGateway, "Authorization failed: "+err.Error())
	}
	v, err := s.finishConnect(r.Context(), in, client)
	if err != nil {
		return err
	}
	if v.Status != store.StatusConnected {
		return page(http.StatusBadGateway, "Authorized, but the integration failed: "+v.StatusReason)
	}
	return page(http.StatusOK, "Switchboard is connected. You can close this page.")
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
	if err := s.store.DeleteIntegration(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound("integration " + id)
		}
		return err
	}
	s.rt.forget(id)
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
	c, err := s.rt.templateOf(r.Context(), in)
	if err != nil {
		return err
	}
	fields, secrets, err := splitFields(c, body.Fields, in.Secrets)
	if err != nil {
		return err
	}
	in.Fields, in.Secrets, in.UpdatedAt = fields, secrets, s.now()
	if err := s.store.UpdateIntegration(r.Context(), in); err != nil {
		return err
	}
	v, err := s.connect(r.Context(), in, c)
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

// RefreshGlobalInfo runs GetGlobalInfo for every connected integration, as
// at start-up, keeping the outputs.
func (s *Server) RefreshGlobalInfo(ctx context.Context) {
	list, err := s.store.ListIntegrations(ctx)
	if err != nil {
		s.log.Error("listing integrations for global info", slog.Any("err", err))
		return
	}
	for _, in := range list {
		if in.Status != store.StatusConnected {
			continue
		}
		client, _, err := s.rt.client(ctx, in)
		if err != nil {
			s.log.Warn("global info", slog.String("integration", in.ID), slog.Any("err", err))
			continue
		}
		if _, err := s.finishConnect(ctx, in, client); err != nil {
			s.log.Warn("global info", slog.String("integration", in.ID), slog.Any("err", err))
		}
	}
}
