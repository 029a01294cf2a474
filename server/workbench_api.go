package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templates"
)

// The template workbench's routes: a template checked as it is typed, and
// one scenario run against the real API, neither saved.

type workbenchField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Secret   bool     `json:"secret"`
	Required bool     `json:"required"`
	Options  []string `json:"options"`
	Default  string   `json:"default,omitempty"`
}

type validation struct {
	Valid     bool             `json:"valid"`
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Kind      string           `json:"kind"`
	AuthType  string           `json:"authType"`
	Scenarios []string         `json:"scenarios"`
	Fields    []workbenchField `json:"fields"`
	Problems  []problemView    `json:"problems"`
}

// validateTemplate checks a template as an upload would, and saves
// nothing. A template with errors still names what its XML declares, so
// the workbench keeps its scenario list and form while one is typed.
func (s *Server) validateTemplate(w http.ResponseWriter, r *http.Request) error {
	data, err := s.readTemplateBody(w, r)
	if err != nil {
		return err
	}
	c, problems, _ := s.integ.Load("template.xml", data)
	v := validation{Valid: c != nil, Scenarios: []string{}, Fields: []workbenchField{}, Problems: problemViews(problems)}
	src := (*templates.Template)(nil)
	if c != nil {
		src, v.Scenarios = c.Source, c.ScenarioIDs()
	} else if src, _ = templates.Parse("template.xml", data); src != nil {
		for _, sc := range src.Scenarios {
			if sc.ID != "" && sc.ID != templates.ScenarioAuth && !slices.Contains(v.Scenarios, sc.ID) {
				v.Scenarios = append(v.Scenarios, sc.ID)
			}
		}
	}
	if src != nil {
		v.ID, v.Name, v.Kind, v.AuthType = src.Key, src.Name, src.Provider, src.AuthType
		for _, f := range src.CustomFields() {
			opts := f.Options()
			if opts == nil {
				opts = []string{}
			}
			v.Fields = append(v.Fields, workbenchField{Name: f.Name, Label: f.Title, Type: f.EditorKind(), Secret: f.IsSecret(),
				Required: f.Required(), Options: opts, Default: f.DefaultValue()})
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type workbenchRun struct {
	XML      string            `json:"xml"`
	Scenario string            `json:"scenario"`
	Requests []string          `json:"requests"`
	Fields   map[string]string `json:"fields"`
	Vars     map[string]string `json:"vars"`
	Token    string            `json:"token"`
	// Webhook is what ReceiveMessage and DeliveryReport read, as the
	// provider sent it.
	Webhook *struct {
		Body    string            `json:"body"`
		Headers map[string]string `json:"headers"`
		URL     string            `json:"url"`
	} `json:"webhook"`
}

// workbenchRunBudget bounds one workbench run, with every retry the
// outbound rules allow.
const workbenchRunBudget = 3 * time.Minute

// runTemplate runs one scenario of a template as `switchboard template
// run` does, through the integrations' outbound rules, and answers the
// outcome with every exchange masked. A scenario that fails is still a
// 200: the failure is the answer.
func (s *Server) runTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := s.readBody(w, r, 2*templates.MaxFileSize+64<<10) // the XML, escaped in JSON
	if err != nil {
		return err
	}
	var in workbenchRun
	if err := decodeJSONBytes(body, &in); err != nil {
		return err
	}
	if len(in.XML) > templates.MaxFileSize {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the template is %d bytes; the limit is %d (1 MB)", len(in.XML), templates.MaxFileSize)
	}
	c, _, err := s.integ.Load("template.xml", []byte(in.XML))
	if err != nil {
		return templateError(err, "")
	}
	if templaterun.ReadsWebhook(c, in.Scenario) {
		return s.readWorkbenchWebhook(w, c, in)
	}
	// A run against a slow API (timeouts, retries, Retry-After) may take
	// longer than the server lets an answer be written: it gets a budget
	// of its own, and its answer the time to be written after it.
	ctx, cancel := context.WithTimeout(r.Context(), workbenchRunBudget)
	defer cancel()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(workbenchRunBudget + 30*time.Second)) // not every writer supports it
	client, tokenHTTP := s.integ.Outbound()
	out, err := templaterun.Run(ctx, c, templaterun.Input{Scenario: in.Scenario, Requests: in.Requests,
		Fields: engine.Vars(in.Fields), Vars: engine.Vars(in.Vars), Token: in.Token},
		templaterun.Env{Client: client, Auth: auth.Options{HTTPClient: tokenHTTP}})
	return answerRun(w, out, err)
}

// readWorkbenchWebhook reads a webhook as a channel would, sending nothing.
func (s *Server) readWorkbenchWebhook(w http.ResponseWriter, c *engine.Template, in workbenchRun) error {
	if in.Webhook == nil || strings.TrimSpace(in.Webhook.Body) == "" {
		return errorf(http.StatusBadRequest, "cannot_run", "%s reads a webhook: give its body (webhook.body), as the provider sent it", in.Scenario)
	}
	header := http.Header{}
	for k, v := range in.Webhook.Headers {
		header.Set(k, v)
	}
	out, err := templaterun.ReadWebhook(c, templaterun.Webhook{Scenario: in.Scenario, Body: []byte(in.Webhook.Body), Header: header,
		URL: in.Webhook.URL, Fields: engine.Vars(in.Fields), Vars: engine.Vars(in.Vars)}, s.now())
	return answerRun(w, out, err)
}

// answerRun answers a run's outcome, failed or not; a run that could not
// start is a 400 saying why.
func answerRun(w http.ResponseWriter, out any, err error) error {
	var ie *templaterun.InputError
	if errors.As(err, &ie) {
		return errorf(http.StatusBadRequest, "cannot_run", "%s", ie.Error())
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
