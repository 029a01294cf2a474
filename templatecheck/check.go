package templatecheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Options says how to check.
type Options struct {
	// Fields are custom field values to use instead of the samples.
	Fields engine.Vars
	// Vars are call or scenario variables to use instead of the samples.
	Vars engine.Vars
	// Scenarios, when set, are the only scenarios checked.
	Scenarios []string
	// IgnoreHeaders are request headers the contract requires that the
	// template need not send (a document's own quirk, e.g. User-Agent).
	IgnoreHeaders []string
}

// Check runs each scenario of t that sends requests against a stand-in
// that answers from the contracts, and reports every request they refuse
// and every output their answers cannot have, at the template's place.
// file names the template in the problems.
func Check(ctx context.Context, file string, t *engine.Template, contracts []*Contract, opts Options) templates.Problems {
	var out templates.Problems
	for _, sc := range t.Source.Scenarios {
		if !sends(sc) || (len(opts.Scenarios) > 0 && !slices.Contains(opts.Scenarios, sc.ID)) || t.Source.Scenario(sc.ID) != sc {
			continue
		}
		out = append(out, checkScenario(ctx, file, t, sc, contracts, opts)...)
	}
	return out
}

// sends reports whether a scenario has a request that goes out (webhook
// readers have none).
func sends(sc *templates.Scenario) bool {
	if sc.ID == templates.ScenarioAuth {
		return false
	}
	for _, r := range sc.Requests {
		if strings.TrimSpace(r.Method) != "" {
			return true
		}
	}
	return false
}

func checkScenario(ctx context.Context, file string, t *engine.Template, sc *templates.Scenario, contracts []*Contract, opts Options) templates.Problems {
	st := &standIn{contracts: contracts, ignore: opts.IgnoreHeaders}
	vars := SampleVars(t.Source, opts.Fields)
	client := engine.NewClient(t, engine.ClientConfig{Auth: sampleAuth{}, Vars: vars, Transport: st,
		Retry: engine.RetryPolicy{Max: -1}})
	run := engine.Vars{}
	for k, v := range opts.Vars {
		run[k] = v
	}
	res := client.Run(ctx, sc.ID, run, engine.RunOptions{})

	var out templates.Problems
	sent := 0
	for _, ex := range res.Trace {
		if ex.Skipped || ex.Request == "" {
			continue
		}
		if sent >= len(st.calls) {
			break
		}
		c := st.calls[sent]
		sent++
		r := requestNamed(t.Source, sc, ex.Request)
		if r == nil {
			continue
		}
		for _, msg := range c.problems {
			out = append(out, templates.Problem{File: file, Pos: r.Node.Pos, Path: r.Node.Path(),
				Message: fmt.Sprintf("%s %s: %s", c.method, c.path, msg), Severity: templates.SeverityError})
		}
		for _, msg := range c.warnings {
			out = append(out, templates.Problem{File: file, Pos: r.Node.Pos, Path: r.Node.Path(),
				Message: fmt.Sprintf("%s %s: %s", c.method, c.path, msg), Severity: templates.SeverityWarning})
		}
		if c.answer == nil {
			continue
		}
		for _, o := range r.Outputs {
			if why := missingPath(c.answer, templates.NormalizePath(o.Path)); why != "" {
				out = append(out, templates.Problem{File: file, Pos: o.Node.AttrPos("Path"), Path: o.Node.AttrPath("Path"),
					Message:  fmt.Sprintf("output %s: %s is not in the %d answer of %s %s in %s", o.Name, why, c.status, c.method, c.route, c.contract),
					Severity: templates.SeverityError})
			}
		}
	}
	// A run stopped by a request already reported says nothing more.
	if res.Err != nil && len(out) == 0 {
		out = append(out, templates.Problem{File: file, Pos: sc.Node.Pos, Path: sc.Node.Path(),
			Message: fmt.Sprintf("the scenario stopped before all its requests were checked: %v", res.Err), Severity: templates.SeverityWarning})
	}
	return out
}

// requestNamed is the scenario's request of that name, or the Common
// one its Next chain reached.
func requestNamed(t *templates.Template, sc *templates.Scenario, name string) *templates.Request {
	for _, s := range []*templates.Scenario{sc, t.Scenario(templates.ScenarioCommon)} {
		if s == nil {
			continue
		}
		for _, r := range s.Requests {
			if r.Name == name {
				return r
			}
		}
	}
	return nil
}

// sampleAuth signs every request with a sample token: the contract's
// security is not what is checked.
type sampleAuth struct{}

func (sampleAuth) Credentials(context.Context) (engine.Credentials, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer sample-access-token")
	return engine.Credentials{Header: h, Vars: engine.Vars{"AccessToken": "sample-access-token"}}, nil
}

// call is one request the stand-in took, and what the contract made of it.
type call struct {
	method, path string
	route        string // the contract's path template; "" when none matched
	contract     string
	problems     []string
	warnings     []string // body properties the contract does not declare
	status       int
	answer       *openapi3.SchemaRef // the answer's schema; nil when none
}

// standIn plays the vendor: each request is matched to its operation and
// validated, and answered with a body its 2xx response schema allows.
type standIn struct {
	contracts []*Contract
	ignore    []string
	mu        sync.Mutex
	calls     []call
}

func (s *standIn) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil { // a GET has none
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		body = b
	}
	c := call{method: r.Method, path: r.URL.EscapedPath()}
	if r.URL.RawQuery != "" {
		c.path += "?" + r.URL.RawQuery
	}
	var names []string
	for _, ct := range s.contracts {
		names = append(names, ct.Name)
		r.Body = io.NopCloser(bytes.NewReader(body))
		route, params, moved, err := ct.route(r)
		if err != nil {
			continue
		}
		moved.Body = io.NopCloser(bytes.NewReader(body))
		c.route, c.contract = route.Path, ct.Name
		c.problems = s.validate(r.Context(), moved, route, params)
		c.warnings = undeclaredIn(route.Operation, r.Header.Get("Content-Type"), body)
		c.status, c.answer = answerOf(route.Operation)
		break
	}
	if c.route == "" {
		c.problems = []string{fmt.Sprintf("no operation of %s has this method and path", strings.Join(names, ", "))}
		c.status = http.StatusNotFound
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	out := []byte("{}")
	if c.answer != nil {
		out = sampleBody(c.answer)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: c.status, Status: http.StatusText(c.status), Header: h, Body: io.NopCloser(bytes.NewReader(out)),
		ContentLength: int64(len(out)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// validate checks a request against its operation: parameters, headers,
// content type and body, every problem at once.
func (s *standIn) validate(ctx context.Context, r *http.Request, route *routers.Route, params map[string]string) []string {
	err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}}})
	if err == nil {
		return nil
	}
	var errs openapi3.MultiError
	if !errors.As(err, &errs) {
		errs = openapi3.MultiError{err}
	}
	var out []string
	for _, e := range errs {
		var re *openapi3filter.RequestError
		if errors.As(e, &re) && re.Parameter != nil && re.Parameter.In == "header" && slices.ContainsFunc(s.ignore, func(h string) bool {
			return strings.EqualFold(h, re.Parameter.Name)
		}) {
			continue
		}
		out = append(out, oneLine(e.Error()))
	}
	return out
}

// answerOf is the status and body schema of an operation's first 2xx
// JSON response.
func answerOf(op *openapi3.Operation) (int, *openapi3.SchemaRef) {
	if op.Responses == nil {
		return http.StatusOK, nil
	}
	codes := []string{}
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		n, err := strconv.Atoi(code)
		if err != nil && strings.EqualFold(code, "2XX") {
			n = http.StatusOK
		} else if err != nil || n < 200 || n > 299 {
			continue
		}
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			return n, nil
		}
		for ct, mt := range resp.Value.Content {
			if strings.Contains(ct, "json") && mt.Schema != nil {
				return n, mt.Schema
			}
		}
		return n, nil
	}
	return http.StatusOK, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
