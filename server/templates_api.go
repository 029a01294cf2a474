package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

type problemView struct {
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Path     string `json:"path"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

func problemViews(ps templates.Problems) []problemView {
	out := make([]problemView, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemView{p.Line, p.Column, p.Path, p.Message, string(p.Severity)})
	}
	return out
}

type fieldView struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Editor   string   `json:"editor"`
	Secret   bool     `json:"secret"`
	Required bool     `json:"required"`
	Options  []string `json:"options,omitempty"`
	Default  string   `json:"default,omitempty"`
}

type templateView struct {
	ID        string      `json:"id"`
	Key       string      `json:"key"`
	Name      string      `json:"name"`
	Provider  string      `json:"provider"`
	Version   string      `json:"version"`
	AuthType  string      `json:"authType"`
	Remark    string      `json:"remark,omitempty"`
	BuiltIn   bool        `json:"builtIn"`
	Scenarios []string    `json:"scenarios"`
	Fields    []fieldView `json:"fields"`
	// Offer is what an integration's settings may choose with this
	// template (helpdesk and CRM templates): the console's settings form.
	Offer     *offerView    `json:"settingsOffer,omitempty"`
	Warnings  []problemView `json:"warnings,omitempty"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
}

func viewTemplate(t *store.Template, c *engine.Template) templateView {
	v := templateView{ID: t.ID, Key: t.Key, Name: t.Name, Provider: t.Provider, Version: t.Version, BuiltIn: t.BuiltIn,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Scenarios: []string{}, Fields: []fieldView{}}
	if c != nil {
		v.AuthType, v.Remark, v.Scenarios = c.Source.AuthType, c.Source.Remark, c.ScenarioIDs()
		for _, f := range c.Source.CustomFields() {
			v.Fields = append(v.Fields, fieldView{Name: f.Name, Title: f.Title, Editor: f.EditorKind(), Secret: f.IsSecret(),
				Required: f.Required(), Options: f.Options(), Default: f.DefaultValue()})
		}
		if !c.Source.IsChannel() {
			v.Offer = viewOffer(scenarios.Offered(c))
		}
	}
	return v
}

type offerView struct {
	ContactSync     bool            `json:"contactSync"`
	ContactTypes    []string        `json:"contactTypes"`
	ContactCreation bool            `json:"contactCreation"`
	CreatableTypes  []string        `json:"creatableTypes"`
	Ticket          *textsOfferView `json:"ticket,omitempty"`
	CallJournal     *textsOfferView `json:"callJournal,omitempty"`
	PlayRecording   bool            `json:"playRecording"`
	ChatJournal     *textsOfferView `json:"chatJournal,omitempty"`
	BeforeCallTypes []string        `json:"beforeCallTypes"`
	AfterCallTypes  []string        `json:"afterCallTypes"`
	PopTriggers     []string        `json:"popTriggers"`
}

type textsOfferView struct {
	Subject         string `json:"subject"`
	Description     string `json:"description"`
	EditSubject     bool   `json:"editSubject"`
	EditDescription bool   `json:"editDescription"`
}

func viewOffer(o scenarios.Offer) *offerView {
	texts := func(t *scenarios.TextsOffer) *textsOfferView {
		if t == nil {
			return nil
		}
		return &textsOfferView{t.Subject, t.Description, t.EditSubject, t.EditDescription}
	}
	return &offerView{ContactSync: o.ContactSync, ContactTypes: o.ContactTypes, ContactCreation: o.ContactCreation,
		CreatableTypes: o.CreatableTypes, Ticket: texts(o.Ticket), CallJournal: texts(o.CallJournal), PlayRecording: o.PlayRecording,
		ChatJournal:     texts(o.ChatJournal),
		BeforeCallTypes: o.BeforeCallTypes, AfterCallTypes: o.AfterCallTypes, PopTriggers: o.PopTriggers}
}

// readTemplateBody reads an upload: the raw XML, or the multipart field
// "file". More than 1 MB is a 413.
func (s *Server) readTemplateBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	const limit = templates.MaxFileSize + 64<<10
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var data []byte
	var err error
	if ct != "multipart/form-data" {
		data, err = s.readBody(w, r, limit)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		file, _, ferr := r.FormFile("file")
		if ferr != nil {
			var mbe *http.MaxBytesError
			if errors.As(ferr, &mbe) {
				return nil, ferr
			}
			return nil, badRequest("multipart upload needs the template in the field \"file\": %v", ferr)
		}
		defer file.Close()
		data, err = io.ReadAll(file)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > templates.MaxFileSize {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the template is %d bytes; the limit is %d (1 MB)", len(data), templates.MaxFileSize)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, badRequest("the body is empty; send the template XML")
	}
	return data, nil
}

// templateError answers a template that does not load with every
// problem at its place, and a built-in template's refusal.
func templateError(err error, builtInMsg string) error {
	var te *integrations.TemplateError
	switch {
	case errors.As(err, &te):
		return &apiError{Status: http.StatusBadRequest, Code: "invalid_template", Message: te.Error(), Details: problemViews(te.Problems)}
	case errors.Is(err, integrations.ErrBuiltIn):
		return errorf(http.StatusConflict, "built_in", "%s", builtInMsg)
	}
	return err
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) error {
	data, err := s.readTemplateBody(w, r)
	if err != nil {
		return err
	}
	t, c, problems, err := s.integ.AddTemplate(r.Context(), data)
	if err != nil {
		return templateError(err, "")
	}
	v := viewTemplate(t, c)
	v.Warnings = problemViews(problems.Warnings())
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListTemplates(r.Context())
	if err != nil {
		return err
	}
	out := make([]templateView, 0, len(list))
	for _, t := range list {
		c, _ := s.integ.Compile(t)
		out = append(out, viewTemplate(t, c))
	}
	writeJSON(w, 200, map[string]any{"templates": out})
	return nil
}

func (s *Server) templateByID(ctx context.Context, id string) (*store.Template, error) {
	t, err := s.store.GetTemplate(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("template " + id)
	}
	return t, err
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, _ := s.integ.Compile(t)
	writeJSON(w, 200, viewTemplate(t, c))
	return nil
}

// downloadTemplate serves the XML without secret values.
func (s *Server) downloadTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	parsed, problems := templates.Parse(t.Key+".xml", t.XML)
	if parsed == nil {
		return fmt.Errorf("stored template %s no longer parses: %v", t.ID, problems)
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", t.Key+".xml"))
	_, err = w.Write(parsed.Download())
	return err
}

func (s *Server) replaceTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.BuiltIn { // before the body is read: the answer does not depend on it
		return templateError(integrations.ErrBuiltIn, "built-in templates cannot be changed; upload a copy with another Key")
	}
	data, err := s.readTemplateBody(w, r)
	if err != nil {
		return err
	}
	c, problems, err := s.integ.ReplaceTemplate(r.Context(), t, data)
	if err != nil {
		return templateError(err, "built-in templates cannot be changed; upload a copy with another Key")
	}
	v := viewTemplate(t, c)
	v.Warnings = problemViews(problems.Warnings())
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := s.templateByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.integ.DeleteTemplate(r.Context(), t); err != nil {
		return templateError(err, "built-in templates cannot be deleted")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
