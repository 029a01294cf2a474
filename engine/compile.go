package engine

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/templates"
)

// Template is a compiled integration template, ready to run. It is
// immutable and safe to share between goroutines.
type Template struct {
	Source *templates.Template

	headers     []header // template-wide, from AuthMethod
	auth        map[string]*Text
	tokenErrors []string
	scenarios   map[string]*Scenario
	location    *time.Location
}

// Scenario is a compiled scenario.
type Scenario struct {
	ID       string
	Requests []*Request // in run order: document order, stable-sorted by Weight
	byName   map[string]*Request
	texts    map[string]*Text  // templated settings: Subject, Description, URLFormat
	settings map[string]string // CustomScenarioParameter defaults
	src      *templates.Scenario
}

// Request is a compiled request.
type Request struct {
	Name     string
	Method   string
	URL      *Text
	Body     *Text
	Encoding string // "json" or "form"
	Headers  []header
	Outputs  []Output
	Next     string
	// NotFound are the statuses that mean "nothing found": no rows.
	NotFound []int
	src      *templates.Request
}

// Output is one compiled output: a name and a normalized GJSON path.
type Output struct {
	Name string
	Path string
	// List (Type="list") keeps every value the path yields together, as a
	// JSON array of strings, instead of one row per value.
	List bool
}

type header struct {
	Name  string
	Value *Text
	key   string   // Name in canonical form
	fixed []string // the value when it is no template, shared by every request
}

// Options tune compilation.
type Options struct {
	// Location is the PBX time zone TimeFormat uses when not asked for UTC.
	// Default: time.Local.
	Location *time.Location
}

// authTexts are the AuthMethod parameters that are templates.
var authTexts = []string{"AuthEndPoint", "TokenEndPoint", "Base64EncodedCredential", "AdditionalQueryString", "Scope",
	"ClientId", "ClientSecret", "TokenRequestBody"}

// scenarioTexts are the scenario settings that are templates.
var scenarioTexts = []string{"Subject", "Description", "URLFormat", "TicketURLFormat"}

// Load reads, validates and compiles a template: the one way every caller
// loads one. Problems holds every error and warning; the template is nil
// when any problem is an error.
func Load(file string, data []byte, opts Options) (*Template, templates.Problems) {
	src, problems := templates.Parse(file, data)
	if problems.HasErrors() {
		return nil, problems
	}
	problems = append(problems, templates.Validate(src)...)
	t, more := Compile(src, opts)
	problems = append(problems, more...)
	problems.Sort()
	if problems.HasErrors() {
		return nil, problems
	}
	return t, problems
}

// Compile compiles every templated string of a parsed template once. It
// reports template syntax errors, unknown functions and variables that no
// source provides; structural checks are templates.Validate's.
func Compile(src *templates.Template, opts Options) (*Template, templates.Problems) {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	c := &compiler{file: src.File, texts: newTextCompiler(FuncMap(loc))}
	t := &Template{Source: src, auth: map[string]*Text{}, scenarios: map[string]*Scenario{}, location: loc}
	if as := src.Scenario(templates.ScenarioAuth); as != nil {
		for _, name := range authTexts {
			if p := as.Param(name); p != nil {
				kind := plainText
				if name == "TokenRequestBody" {
					kind = bodyText
				}
				t.auth[name] = c.textAs(p.Node, "Value", p.Value, kind)
			}
		}
		for _, p := range as.ParamsByFather(templates.FatherTokenErrorMap) {
			if v := strings.TrimSpace(p.Value); v != "" {
				t.tokenErrors = append(t.tokenErrors, v)
			}
		}
	}
	t.headers = c.headers(src.Headers())
	for _, s := range src.Scenarios {
		if _, dup := t.scenarios[s.ID]; dup || s.ID == templates.ScenarioAuth {
			continue
		}
		t.scenarios[s.ID] = c.scenario(s)
	}
	c.checkChannelTexts(src)
	c.checkVariables(src)
	return t, c.problems
}

type compiler struct {
	file     string
	texts    *textCompiler
	problems templates.Problems
	uses     []use
}

// use records where a template string reads variables, for the warning
// about variables no source provides.
type use struct {
	node     *templates.Node
	attr     string
	scenario string
	text     *Text
}

func (c *compiler) text(n *templates.Node, attr, src string) *Text {
	return c.textAs(n, attr, src, plainText)
}

func (c *compiler) textAs(n *templates.Node, attr, src string, kind textKind) *Text {
	t, warnings, err := c.texts.compileAs(src, kind)
	if err != nil {
		c.problems = append(c.problems, templates.Problem{File: c.file, Pos: n.AttrPos(attr),
			Path: n.AttrPath(attr), Message: err.Error(), Severity: templates.SeverityError})
		return nil
	}
	for _, w := range warnings {
		c.problems = append(c.problems, templates.Problem{File: c.file, Pos: n.AttrPos(attr),
			Path: n.AttrPath(attr), Message: w, Severity: templates.SeverityWarning})
	}
	if !t.IsConstant() {
		scenario := ""
		for p := n; p != nil; p = p.Parent {
			if p.Tag() == "Scenario" {
				scenario = p.AttrValue("Id")
			}
		}
		c.uses = append(c.uses, use{node: n, attr: attr, scenario: scenario, text: t})
	}
	return t
}

func (c *compiler) headers(ps []*templates.Parameter) []header {
	out := make([]header, 0, len(ps))
	for _, p := range ps {
		h := header{Name: p.Name, Value: c.text(p.Node, "Value", p.Value), key: http.CanonicalHeaderKey(p.Name)}
		if h.Value.IsConstant() {
			if v := strings.TrimSpace(h.Value.Source()); v != "" {
				h.fixed = []string{v}
			}
		}
		out = append(out, h)
	}
	return out
}

func (c *compiler) scenario(s *templates.Scenario) *Scenario {
	cs := &Scenario{ID: s.ID, byName: map[string]*Request{}, texts: map[string]*Text{}, settings: map[string]string{}, src: s}
	for _, name := range scenarioTexts {
		if p := s.Param(name); p != nil {
			cs.texts[name] = c.text(p.Node, "Value", p.Value)
		}
	}
	for _, p := range s.ParamsByFather(templates.FatherScenarioSetting) {
		cs.settings[p.Name] = p.Value
	}
	for _, r := range s.Requests {
		cr := c.request(r)
		cs.Requests = append(cs.Requests, cr)
		if _, dup := cs.byName[r.Name]; !dup {
			cs.byName[r.Name] = cr
		}
	}
	weight := func(r *Request) int {
		w, _ := strconv.Atoi(r.src.Weight)
		return w
	}
	sort.SliceStable(cs.Requests, func(i, j int) bool { return weight(cs.Requests[i]) < weight(cs.Requests[j]) })
	return cs
}

func (c *compiler) request(r *templates.Request) *Request {
	cr := &Request{
		Name:     r.Name,
		Method:   r.Method,
		URL:      c.text(r.Node, "URLFormat", r.URLFormat),
		Encoding: "json",
		Headers:  c.headers(r.Headers()),
		Next:     r.Next,
		src:      r,
	}
	cr.NotFound, _ = r.NotFoundStatuses() // validated: an invalid list is a load error
	if cr.Method == "" {
		cr.Method = "GET"
	}
	switch strings.ToLower(r.RequestEncoding) {
	case "form", "urlencoded", "application/x-www-form-urlencoded":
		cr.Encoding = "form"
	}
	if b := r.Body(); b != nil {
		cr.Body = c.textAs(b.Node, "Value", b.Value, bodyText)
	}
	for _, o := range r.Outputs {
		cr.Outputs = append(cr.Outputs, Output{Name: o.Name, Path: templates.NormalizePath(o.Path), List: strings.EqualFold(o.Type, "list")})
	}
	return cr
}

// checkVariables warns about variables that nothing provides: they render
// empty, which is usually a typo.
func (c *compiler) checkVariables(src *templates.Template) {
	known := map[string]bool{}
	for _, v := range templates.KnownVariables {
		known[v] = true
	}
	for _, f := range src.CustomFields() {
		known[f.Name] = true
	}
	for _, s := range src.Scenarios {
		for _, p := range s.ParamsByFather(templates.FatherScenarioSetting) {
			known[p.Name] = true
		}
		for _, r := range s.Requests {
			for _, o := range r.Outputs {
				known[o.Name] = true
			}
		}
	}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, u := range c.uses {
		warned := map[string]bool{}
		for _, f := range u.text.fields() {
			if known[f] || warned[f] {
				continue
			}
			warned[f] = true
			msg := fmt.Sprintf("variable .%s is not provided by any source (custom fields, call variables, outputs, scenario settings); it renders empty", f)
			if s := templates.Suggest(f, names); s != "" {
				msg += fmt.Sprintf(" (did you mean .%s?)", s)
			}
			c.problems = append(c.problems, templates.Problem{File: c.file, Pos: u.node.AttrPos(u.attr),
				Path: u.node.AttrPath(u.attr), Message: msg, Severity: templates.SeverityWarning})
		}
	}
}

var funcNames = sync.OnceValue(FuncNames)

func suggestFunc(name string) string {
	names := funcNames()
	if slices.Contains(names, name) {
		return ""
	}
	return templates.Suggest(name, names)
}

// Scenario returns the compiled scenario, or nil.
func (t *Template) Scenario(id string) *Scenario { return t.scenarios[id] }

// AuthText returns a compiled AuthMethod parameter (AuthEndPoint,
// TokenEndPoint, Base64EncodedCredential, AdditionalQueryString, Scope), or nil.
func (t *Template) AuthText(name string) *Text { return t.auth[name] }

// HeadersWithoutToken renders the template-wide headers for a request that
// obtains a token: headers that use {{.AccessToken}} are left out, as there
// is no token yet, and so are headers that render empty.
func (t *Template) HeadersWithoutToken(vars Vars) (http.Header, error) {
	h := http.Header{}
	var keep []header
	for _, hd := range t.headers {
		if !strings.Contains(hd.Value.Source(), "AccessToken") {
			keep = append(keep, hd)
		}
	}
	return h, setHeaders(h, keep, vars)
}

// TokenErrors lists the TokenErrorMap values.
func (t *Template) TokenErrors() []string { return t.tokenErrors }

// ReadBody reads a scenario's outputs from a body no request of the
// engine fetched: a provider's webhook, for ReceiveMessage and
// DeliveryReport. Each request of the scenario contributes its rows, made
// as for answers (extractRows): the fields of one message stay together.
func (t *Template) ReadBody(scenarioID, body string) ([]map[string]string, error) {
	sc := t.scenarios[scenarioID]
	if sc == nil {
		return nil, fmt.Errorf("%w: the template has no %s scenario", ErrNoScenario, scenarioID)
	}
	var out []map[string]string
	for _, r := range sc.Requests {
		rows, err := extractRows(body, r.Outputs)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// Request returns the compiled request with the name, or nil.
func (s *Scenario) Request(name string) *Request { return s.byName[name] }

// Text returns a templated scenario setting (Subject, Description,
// URLFormat), or nil.
func (s *Scenario) Text(name string) *Text { return s.texts[name] }

// Setting returns a plain scenario setting's value (the last one given).
func (s *Scenario) Setting(name string) string { return s.src.ParamValue(name) }
