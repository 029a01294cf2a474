package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/switchboard/switchboard/templates"
)

// maxNextDepth stops Next chains that loop. Validation rejects loops; this
// guards templates compiled without validation.
const maxNextDepth = 16

// RunOptions select what a run does.
type RunOptions struct {
	// Requests limits the run to these requests of the scenario, in run
	// order. Empty: every request of the scenario.
	Requests []string
	// IdempotencyKey, when set, is sent as the Idempotency-Key header,
	// with ":" and the request's name appended, on every request whose
	// method is not GET or HEAD (POST, PATCH, PUT, DELETE, …) and whose
	// template does not set one, so a helpdesk that honours the header
	// ignores a second copy sent after a crash: a PUT that adds a comment
	// (Zendesk's journal) is no more idempotent than a POST. It does not
	// make a POST or PATCH retried after a network error.
	IdempotencyKey string
	// ExtraOutputs are read from the answer of each of the scenario's
	// requests besides the template's own outputs, for what the caller
	// needs from the raw answer: the contact URL of a screen pop
	// (ContactFieldForUri), a pagination cursor.
	ExtraOutputs []Output
	// Pace, when set, is called by every attempt of every request of the
	// run once it holds its request slots, right before it goes out; the
	// request waits for it to return, and an error ends the attempt. It is
	// where a caller spaces requests to a rate-limited remote (a channel's
	// messages per second): here nothing but the network lies between the
	// caller's clock and the remote's.
	Pace func(ctx context.Context) error
	// Slot, when set, is a request slot of this client the caller holds
	// (Client.Reserve): the run's requests go out under it rather than
	// each attempt taking one, so the caller's bound on its runs is the
	// integration's own limit. A slot of another client's limiter, or one
	// released, is not used.
	Slot *Slot
}

// Row is one output row of a request: one contact found, one ticket made.
type Row struct {
	Request string            `json:"request"`
	Values  map[string]string `json:"values"`
}

// Result is what a run did: rows per request (after Next backfill), the
// output variables for later steps, every exchange, and the error that
// ended it, if any.
type Result struct {
	Scenario string     `json:"scenario"`
	Rows     []Row      `json:"rows"`
	Vars     Vars       `json:"vars"`
	Trace    []Exchange `json:"trace"`
	Warnings []string   `json:"warnings,omitempty"`
	Error    string     `json:"error"`
	Err      error      `json:"-"`
}

// run is the state of one scenario run.
type run struct {
	scenario string
	idemKey  string
	pace     func(context.Context) error
	slot     *Slot
	extra    []Output
	cred     Credentials
	masker   *Masker
	trace    traceLog
	warnings []string
}

// Run executes a scenario: its requests in order, each with the variables
// of the ones before. vars are the call or scenario variables; they win over
// the integration's variables, which win over the template's defaults.
func (c *Client) Run(ctx context.Context, scenarioID string, vars Vars, opts RunOptions) *Result {
	res := &Result{Scenario: scenarioID, Rows: []Row{}, Vars: Vars{}, Trace: []Exchange{}}
	rn := &run{scenario: scenarioID, idemKey: opts.IdempotencyKey, pace: opts.Pace, slot: opts.Slot, extra: opts.ExtraOutputs}
	err := c.run(ctx, rn, scenarioID, vars, opts, res)
	res.Trace = rn.trace.take()
	res.Warnings = rn.warnings
	if err != nil {
		if rn.masker != nil {
			err = maskedError{err: err, msg: rn.masker.String(err.Error())}
		}
		res.Err, res.Error = err, err.Error()
	}
	return res
}

func (c *Client) run(ctx context.Context, rn *run, scenarioID string, input Vars, opts RunOptions, res *Result) error {
	sc := c.tmpl.scenarios[scenarioID]
	if sc == nil || scenarioID == templates.ScenarioAuth {
		return fmt.Errorf("%w: the template has no runnable scenario %q (it has %s)", ErrNoScenario, scenarioID, strings.Join(c.tmpl.ScenarioIDs(), ", "))
	}
	cred, err := c.cfg.Auth.Credentials(ctx)
	if err != nil {
		return fmt.Errorf("getting credentials: %w", err)
	}
	rn.cred = cred
	rn.masker = c.maskerFor(cred)

	reqs, err := sc.selected(opts.Requests)
	if err != nil {
		return err
	}
	// Sized once for everything the run adds, the outputs of all but the
	// last request included (nothing reads the last one's): growing a map
	// on the way costs more than the room.
	base := c.base[scenarioID]
	size := len(base) + len(cred.Vars) + len(input) + 3
	for _, r := range reqs[:max(0, len(reqs)-1)] {
		size += len(r.Outputs) + len(rn.extra)
	}
	vars := make(Vars, size)
	maps.Copy(vars, base)
	maps.Copy(vars, cred.Vars)
	maps.Copy(vars, input)
	for _, name := range []string{"Subject", "Description"} {
		text := sc.texts[name]
		if vars[name] != "" || text == nil {
			continue // a missing text renders "", which a missing name reads as anyway
		}
		v, err := text.Render(vars)
		if err != nil {
			return fmt.Errorf("rendering the scenario's %s: %w", name, err)
		}
		vars[name] = v
	}

	for n, r := range reqs {
		if t := contactType(sc.ID, r.Name); t != "" && input["ContactSyncType"] == "" {
			vars["ContactSyncType"] = t
		}
		rows, err := c.exec(ctx, rn, r, vars, 0)
		if err != nil {
			return fmt.Errorf("request %s: %w", r.Name, err)
		}
		for i, row := range rows {
			res.Rows = append(res.Rows, Row{Request: r.Name, Values: row})
			if i > 0 {
				continue
			}
			if len(res.Vars) == 0 {
				res.Vars = make(Vars, len(row))
			}
			last := n == len(reqs)-1
			for k, v := range row {
				if v != "" {
					res.Vars[k] = v
					if !last {
						vars[k] = v
					}
				}
			}
		}
	}
	return nil
}

// selected returns the requests to run, in run order.
func (s *Scenario) selected(names []string) ([]*Request, error) {
	if len(names) == 0 {
		return s.Requests, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if s.byName[n] == nil {
			return nil, fmt.Errorf("scenario %s has no request %q (it has %s)", s.ID, n, strings.Join(s.RequestNames(), ", "))
		}
		want[n] = true
	}
	var out []*Request
	for _, r := range s.Requests {
		if want[r.Name] {
			out = append(out, r)
		}
	}
	return out, nil
}

// contactType is the ContactSyncType a request stands for: in the contact
// scenarios the request's name is the contact type.
func contactType(scenario, request string) string {
	switch scenario {
	case templates.ScenarioSyncContact, templates.ScenarioCreateContact:
		return request
	case templates.ScenarioSearchContact:
		return strings.TrimPrefix(request, templates.SearchContactRequestPref)
	}
	return ""
}

// exec sends one request and reads its rows, then follows its Next chain.
// When the answer says the token is invalid and the authorizer can refresh,
// the request is rendered and sent once more with fresh credentials.
func (c *Client) exec(ctx context.Context, rn *run, r *Request, vars Vars, depth int) ([]map[string]string, error) {
	refreshed := false
	for {
		rd, err := c.render(r, vars, rn.cred)
		if err != nil {
			rn.trace.add(Exchange{Request: r.Name, Method: r.Method, URL: rn.masker.URL(rd.url),
				RequestHeaders: rn.masker.Headers(rd.header), RequestBody: rn.masker.Body(rd.body),
				Error: rn.masker.String(err.Error())})
			return nil, err
		}
		if rd.url == "" {
			rn.trace.add(Exchange{Request: r.Name, Method: r.Method, Skipped: true,
				SkipReason: "URLFormat rendered empty", RequestHeaders: map[string]string{}})
			return nil, nil
		}
		status, body, err := c.send(ctx, rn, r, rd)
		if err != nil {
			return nil, err
		}
		if slices.Contains(r.NotFound, status) {
			// The template says this answer means nothing was found.
			return nil, nil
		}
		if status < 200 || status > 299 {
			herr := HTTPStatusError{Status: status, Body: shorten(rn.masker.Body(body), 300)}
			match := c.tokenError(body)
			if match == "" {
				return nil, &herr
			}
			terr := &TokenInvalidError{HTTPStatusError: herr, Match: match}
			ref, ok := c.cfg.Auth.(Refresher)
			if !ok || refreshed {
				return nil, terr
			}
			if err := ref.Refresh(ctx, rn.cred); err != nil {
				return nil, fmt.Errorf("%w; refreshing it failed: %w", terr, err)
			}
			if rn.cred, err = c.cfg.Auth.Credentials(ctx); err != nil {
				return nil, fmt.Errorf("%w; getting fresh credentials failed: %w", terr, err)
			}
			rn.masker = c.maskerFor(rn.cred)
			maps.Copy(vars, rn.cred.Vars)
			refreshed = true
			continue
		}
		outs := r.Outputs
		if depth == 0 && len(rn.extra) > 0 {
			outs = append(slices.Clip(outs), rn.extra...)
		}
		rows, err := extractRows(body, outs)
		if err != nil {
			return nil, err
		}
		c.follow(ctx, rn, r, vars, rows, depth)
		return rows, nil
	}
}

// follow runs the request's Next for each row and backfills the row's empty
// outputs from the first row of the answer. A failing Next does not fail
// the run: the row keeps what it has, and the trace and warnings say why.
func (c *Client) follow(ctx context.Context, rn *run, r *Request, vars Vars, rows []map[string]string, depth int) {
	if r.Next == "" || len(rows) == 0 {
		return
	}
	common := c.tmpl.scenarios[templates.ScenarioCommon]
	var next *Request
	if common != nil {
		next = common.byName[r.Next]
	}
	if next == nil || depth >= maxNextDepth {
		rn.warnings = append(rn.warnings, fmt.Sprintf("request %s: Next %q cannot run (missing from Common, or the chain is too deep)", r.Name, r.Next))
		return
	}
	for i, row := range rows {
		nv := maps.Clone(vars)
		for k, v := range row {
			if v != "" {
				nv[k] = v
			}
		}
		if row["ContactsId"] != "" {
			nv["ContactId"] = row["ContactsId"]
		}
		nrows, err := c.exec(ctx, rn, next, nv, depth+1)
		if err != nil {
			rn.warnings = append(rn.warnings, rn.masker.String(fmt.Sprintf("request %s row %d: Next %s failed: %v", r.Name, i+1, next.Name, err)))
			continue
		}
		if len(nrows) == 0 {
			continue
		}
		for k, v := range nrows[0] {
			if row[k] == "" {
				row[k] = v
			}
		}
	}
}

// send sends a rendered request through the retry and limit layers,
// records the exchange (masked) in the run's trace, and returns the status
// and the answer.
func (c *Client) send(ctx context.Context, rn *run, r *Request, rd rendered) (int, string, error) {
	// Only a key the template sets makes a POST safe to send again after a
	// network error: the run's own key guards against a crash, and the
	// helpdesk may not honour it.
	info := &exchangeInfo{idempotent: idempotent(rd.method, rd.header), pace: rn.pace, slot: rn.slot}
	if rn.idemKey != "" && rd.method != http.MethodGet && rd.method != http.MethodHead && rd.header.Get("Idempotency-Key") == "" {
		rd.header.Set("Idempotency-Key", rn.idemKey+":"+r.Name)
	}
	ex := Exchange{Request: r.Name, Method: rd.method, URL: rn.masker.URL(rd.url),
		RequestHeaders: rn.masker.Headers(rd.header), RequestBody: rn.masker.Body(rd.body)}
	var reqBody io.Reader // nil for no body: retryablehttp then copies nothing
	if rd.body != "" {
		reqBody = strings.NewReader(rd.body)
	}
	req, err := http.NewRequestWithContext(withExchange(ctx, info), rd.method, rd.url, reqBody)
	if err == nil && req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		err = fmt.Errorf("URL %q is not an absolute http or https URL", rd.url)
	}
	var rreq *retryablehttp.Request
	if err == nil {
		req.Header = rd.header
		rreq, err = retryablehttp.FromRequest(req)
	}
	if err != nil {
		err = fmt.Errorf("building the request: %w", err)
		ex.Error = rn.masker.String(err.Error())
		rn.trace.add(ex)
		return 0, "", err
	}

	start := time.Now()
	resp, err := c.retry.Do(rreq)
	var body string
	if err == nil {
		body, err = readBody(resp, c.cfg.MaxResponseBytes)
		ex.Status = resp.StatusCode
		ex.ResponseHeaders = rn.masker.Headers(resp.Header)
		ex.ResponseBody = rn.masker.Body(body)
	}
	took := time.Since(start)
	ex.DurationMs = took.Milliseconds()
	ex.Attempts = max(1, int(info.attempts.Load()))
	if err != nil {
		ex.Error = rn.masker.String(err.Error())
	}
	rn.trace.add(ex)
	if c.cfg.Observe != nil {
		c.cfg.Observe(Observation{Scenario: rn.scenario, Request: r.Name, Status: ex.Status, Duration: took, Attempts: ex.Attempts})
	}
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, body, nil
}

// tokenError returns the TokenErrorMap value found in a response body.
func (c *Client) tokenError(body string) string {
	for _, v := range c.tmpl.tokenErrors {
		if strings.Contains(body, v) {
			return v
		}
	}
	return ""
}

// maskedError keeps the error chain for errors.Is/As but shows the masked
// message.
type maskedError struct {
	err error
	msg string
}

func (e maskedError) Error() string { return e.msg }
func (e maskedError) Unwrap() error { return e.err }

// ScenarioIDs lists the template's runnable scenarios.
func (t *Template) ScenarioIDs() []string {
	var out []string
	for _, s := range t.Source.Scenarios {
		if _, ok := t.scenarios[s.ID]; ok && s.ID != templates.ScenarioAuth && !slices.Contains(out, s.ID) {
			out = append(out, s.ID)
		}
	}
	return out
}

// RequestNames lists the scenario's requests in run order.
func (s *Scenario) RequestNames() []string {
	out := make([]string, len(s.Requests))
	for i, r := range s.Requests {
		out[i] = r.Name
	}
	return out
}
