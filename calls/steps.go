package calls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// callWork is the work of one job for a call and one integration: what
// its steps need, read once, and what they learned so far.
type callWork struct {
	s     *Service
	jobID int64
	call  *scenarios.Call
	in    *store.Integration
	conn  *integrations.Conn
	ext   scenarios.ExtensionInfo
	runs  map[string]*store.Run // the integration's runs of the call, by step
	link  map[string]string     // what earlier steps learned about the call
	// unsaved is what the link lacks, saved with the next step's result.
	unsaved map[string]string
	// group is the contact group's entries of the call's number, read
	// with the job's inputs, for its first lookup; later lookups read
	// the group again, since an earlier step may have added to it.
	group *readAhead
}

// readAhead is the group's entries under a number key.
type readAhead struct {
	key      string
	contacts []store.GroupContact
}

// newCallWork gathers what the job's steps need from what it read.
func (s *Service) newCallWork(job *river.Job[workArgs], call *scenarios.Call, in *store.Integration, conn *integrations.Conn, inputs *store.CallWork) *callWork {
	w := &callWork{s: s, jobID: job.ID, call: call, in: in, conn: conn, runs: map[string]*store.Run{},
		ext: scenarios.ExtensionInfo{Number: call.Extension}, link: inputs.Link,
		group: &readAhead{key: inputs.GroupKey, contacts: inputs.Group}}
	for _, r := range inputs.Runs {
		w.runs[r.Step] = r
	}
	if w.link == nil {
		w.link = map[string]string{}
	}
	// The helpdesk user the call is for, kept in the link for the call's
	// page, with the first step's result rather than by a write of its own.
	if crm := job.Args.CrmID; crm != "" && w.link["CrmId"] != crm {
		w.link["CrmId"] = crm
		w.unsaved = map[string]string{"CrmId": crm}
	}
	if e := inputs.Extension; e != nil {
		w.ext = scenarios.ExtensionInfo{Number: e.Number, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email}
	}
	return w
}

// stepRun is one step of a call's plan, worked by a job.
type stepRun struct {
	*callWork
	step     scenarios.Step
	vars     engine.Vars          // the step's variables
	contacts []store.GroupContact // found by a lookup, for the local group
}

// run does a step unless it is done already, and saves how it ended with
// what it learned in one transaction. (A first attempt cut off by a crash
// is not counted: its run is written when it ends.)
func (w *callWork) run(ctx context.Context, step scenarios.Step) error {
	s := w.s
	rec := w.runs[step.Name]
	retried := rec != nil
	switch {
	case rec == nil:
		rec = &store.Run{ID: store.NewID("run"), CallID: w.call.ID, IntegrationID: w.in.ID, Step: step.Name, Scenario: step.Scenario, CreatedAt: s.cfg.Now()}
		w.runs[step.Name] = rec
	case rec.Status == store.RunSucceeded || rec.Status == store.RunSkipped:
		return nil
	}
	rec.Attempts++
	rec.JobID = w.jobID
	if retried {
		// A step tried before shows that it is being tried again (the
		// call's page follows it to its end). A first attempt writes its
		// run only when it ends: one write per step.
		rec.Status, rec.UpdatedAt = store.RunRunning, s.cfg.Now()
		if _, err := s.store.SaveStepResult(ctx, store.StepResult{Run: rec}); err != nil {
			return err
		}
	}
	r := &stepRun{callWork: w, step: step}
	var err error
	if r.vars, err = r.variables(); err != nil {
		return r.finish(ctx, rec, nil, nil, err)
	}
	outputs, res, err := r.do(ctx)
	if err == nil {
		if why := r.allSkipped(res); why != "" {
			err = skipped{why}
		}
	}
	if err != nil {
		outputs, r.contacts = nil, nil
	}
	return r.finish(ctx, rec, outputs, res, err)
}

// finish records how the step ended, with what it learned; a failure is
// returned so the job is retried with backoff.
func (r *stepRun) finish(ctx context.Context, rec *store.Run, learned map[string]string, res *engine.Result, err error) error {
	s := r.s
	rec.UpdatedAt, rec.LastError = s.cfg.Now(), ""
	if res != nil {
		rec.Trace, _ = json.Marshal(res.Trace) // exchanges always marshal
		rec.Outputs = res.Vars
	}
	switch {
	case errors.Is(err, errSkipped):
		rec.Status, rec.LastError, err = store.RunSkipped, err.Error(), nil
	case err != nil:
		rec.Status, rec.LastError = store.RunFailed, err.Error()
	default:
		rec.Status = store.RunSucceeded
	}
	if len(r.unsaved) > 0 {
		merged := maps.Clone(r.unsaved)
		maps.Copy(merged, learned)
		learned = merged
	}
	link, serr := s.store.SaveStepResult(ctx, store.StepResult{Run: rec, Learned: learned, Contacts: r.contacts})
	if serr != nil {
		return serr
	}
	r.unsaved = nil
	if link != nil {
		r.link = link
	}
	s.rt.Observe(ctx, r.in, res, err)
	s.cfg.Count(rec.Step, rec.Status)
	if err != nil {
		s.log.Warn("call step failed", slog.String("call", rec.CallID), slog.String("integration", rec.IntegrationID),
			slog.String("step", rec.Step), slog.Int("attempt", rec.Attempts), slog.String("err", rec.LastError))
		return fmt.Errorf("%s: %w", rec.Step, err)
	}
	return nil
}

var errSkipped = errors.New("nothing to do")

// skipped is a step that had nothing to do, with the reason, which the
// run keeps: a journal quietly "succeeding" without a request sent would
// hide that it never reached the helpdesk.
type skipped struct{ reason string }

func (e skipped) Error() string        { return e.reason }
func (e skipped) Is(target error) bool { return target == errSkipped }

// allSkipped says why every request of a run was skipped, naming the
// variables their URLs read that the call did not have; "" when any
// request was sent.
func (r *stepRun) allSkipped(res *engine.Result) string {
	if res == nil || len(res.Trace) == 0 {
		return ""
	}
	client := r.conn.Client
	var why []string
	for _, ex := range res.Trace {
		if !ex.Skipped {
			return ""
		}
		reason := fmt.Sprintf("request %s was not sent: %s", ex.Request, ex.SkipReason)
		if sc := client.Template().Scenario(r.step.Scenario); sc != nil && sc.Request(ex.Request) != nil {
			var missing []string
			for _, v := range sc.Request(ex.Request).URL.Variables() {
				if r.vars[v] == "" && client.Vars()[v] == "" && !slices.Contains(missing, v) {
					missing = append(missing, v)
				}
			}
			if len(missing) > 0 {
				reason += fmt.Sprintf(" (it reads %s, which this call does not have)", strings.Join(missing, ", "))
			}
		}
		why = append(why, reason)
	}
	return strings.Join(why, "; ")
}

// variables are the step's: the call's, what earlier steps learned, the
// scenario settings, and the subject and description of the settings
// (compiled when they were saved) rendered.
func (r *stepRun) variables() (engine.Vars, error) {
	s, call := r.s, r.call
	vars := call.Vars(scenarios.CallContext{Extension: r.ext, Location: s.cfg.TimeZone, RecordURL: r.recordURL()})
	call.FormatNumbers(vars, r.conn.Settings.Numbers)
	for k, v := range r.link {
		if v != "" {
			vars[k] = v
		}
	}
	for k, v := range r.conn.Settings.ScenarioParameters[r.step.Scenario] {
		vars[k] = v
	}
	subject, description := r.conn.Texts.ForStep(r.step.Name)
	for _, t := range []struct {
		name string
		text *engine.Text
	}{{"Subject", subject}, {"Description", description}} {
		if t.text == nil {
			delete(vars, t.name) // the scenario's default renders instead
			continue
		}
		v, err := t.text.RenderLayers(r.conn.Client.Vars(), vars)
		if err != nil {
			return nil, fmt.Errorf("the %s of the settings: %w", strings.ToLower(t.name), err)
		}
		vars[t.name] = v
	}
	return vars, nil
}

// recordURL is where the helpdesk plays the recording: set when the
// journal's playback is on and the call has a recording.
func (r *stepRun) recordURL() string {
	st := r.conn.Settings
	if r.call.Recording == "" || st.CallJournal == nil || !st.CallJournal.PlayRecording {
		return ""
	}
	return r.s.cfg.RecordURL(r.call.Recording, r.s.cfg.Now())
}

// do runs the step's scenario and returns what it adds to the call's link
// (contact id, ticket id …). Every request but GET and HEAD carries the
// idempotency key call:integration:step, so a retry after a lost answer
// is not done twice where the remote honours it.
func (r *stepRun) do(ctx context.Context) (map[string]string, *engine.Result, error) {
	call, step, vars := r.call, r.step, r.vars
	send := func() *engine.Result {
		return r.conn.Client.Run(ctx, step.Scenario, vars, engine.RunOptions{
			IdempotencyKey: call.ID + ":" + r.in.ID + ":" + step.Name, Requests: step.Requests})
	}
	switch step.Name {
	case scenarios.StepLookup:
		return r.lookup(ctx)
	case scenarios.StepCreateContact:
		if r.link["ContactId"] != "" {
			return nil, nil, skipped{"the caller is a known contact (" + r.link["ContactId"] + ")"}
		}
		first, last := splitName(call.External.Name)
		vars["FirstName"], vars["LastName"] = first, last
		// The caller's number as the helpdesk wants numbers written (a
		// contact found earlier in the link does not say it).
		number := r.conn.Settings.Numbers.Apply(call.External.Number)
		vars["DisplayName"] = firstNonEmpty(call.External.Name, number)
		vars["BusinessNumber"] = number
		res := send()
		if res.Err != nil {
			return nil, res, res.Err
		}
		return map[string]string{"ContactId": res.Vars["ContactId"], "ContactSyncType": step.Requests[0], "ContactCreated": "1"}, res, nil
	case scenarios.StepUpdateTicket:
		if r.link["TicketId"] == "" {
			return nil, nil, skipped{"no ticket was made for this call"}
		}
	}
	res := send()
	if res.Err != nil {
		return nil, res, res.Err
	}
	out := map[string]string{}
	if t := res.Vars["TicketId"]; t != "" {
		out["TicketId"] = t
		if u := r.ticketURL(t, res.Vars); u != "" {
			out["TicketUrl"] = u
		}
	}
	return out, res, nil
}

// ticketURL is the helpdesk page of a ticket the step made: the
// request's TicketUrl output, else the scenario's TicketURLFormat
// rendered over the step's variables and the ticket's id; "" when the
// template says neither.
func (r *stepRun) ticketURL(id string, outputs engine.Vars) string {
	if u := strings.TrimSpace(outputs["TicketUrl"]); u != "" {
		return u
	}
	sc := r.conn.Client.Template().Scenario(r.step.Scenario)
	if sc == nil || sc.Text("TicketURLFormat") == nil {
		return ""
	}
	u, err := sc.Text("TicketURLFormat").RenderLayers(r.conn.Client.Vars(), r.vars, engine.Vars{"TicketId": id})
	if err != nil {
		return ""
	}
	return strings.TrimSpace(u)
}

// splitName splits "Ann Lee" into first and last name.
func splitName(name string) (string, string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndex(name, " "); i > 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}
