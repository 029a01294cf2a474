package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// callEventArgs is an acknowledged call event, stored as a job before the
// PBX gets its 202. Key identifies the delivery: a repeated delivery has the
// same key and is not stored twice.
type callEventArgs struct {
	Key   string              `json:"key" river:"unique"`
	Event scenarios.CallEvent `json:"event"`
}

func (callEventArgs) Kind() string { return "call_event" }

// callWorkArgs does what is due for one call and one integration once the
// call reached a state.
type callWorkArgs struct {
	CallID        string `json:"callId" river:"unique"`
	IntegrationID string `json:"integrationId" river:"unique"`
	State         string `json:"state" river:"unique"`
}

func (callWorkArgs) Kind() string { return "call_work" }

// uniqueByArgs stores a job once per distinct arguments. Failing work is
// retried until it is older than the queue's GiveUpAfter (the workers
// check), not for a number of attempts: with waits capped at seconds, any
// small count would end the work of a short outage. MaxAttempts is only a
// backstop.
var uniqueByArgs = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 100_000}

// eventKey identifies an event delivery by its content.
func eventKey(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

type callEventWorker struct {
	river.WorkerDefaults[callEventArgs]
	s *Server
}

// Work merges the event into the call (again: the API merged it when it
// took it, and merging is idempotent) and queues the work of every
// integration bound to the call's extension.
func (w *callEventWorker) Work(ctx context.Context, job *river.Job[callEventArgs]) error {
	s := w.s
	c, err := s.updateCall(ctx, job.Args.Event.CallID, func(c *scenarios.Call) { c.Apply(job.Args.Event) })
	if err != nil {
		return err
	}
	if c.Direction == "" || c.External.Number == "" || c.Extension == "" {
		return nil // a partial Yeastar event: wait for one that says who is calling
	}
	bound, err := s.integrationsFor(ctx, c.Extension)
	if err != nil {
		return err
	}
	why := ""
	if len(bound) == 0 {
		if why, err = s.whyUnrouted(ctx, c.Extension); err != nil {
			return err
		}
	}
	if why != c.Unrouted {
		if _, err := s.updateCall(ctx, c.ID, func(cur *scenarios.Call) { cur.Unrouted = why }); err != nil {
			return err
		}
	}
	for id, crmID := range bound {
		if _, err := s.store.UpdateCallLink(ctx, c.ID, id, func(m map[string]string) { m["CrmId"] = crmID }); err != nil {
			return err
		}
		if _, _, err := s.queue.Enqueue(ctx, callWorkArgs{CallID: c.ID, IntegrationID: id, State: c.State}, uniqueByArgs); err != nil {
			return err
		}
	}
	return nil
}

// updateCall changes a stored call (a new one starts empty) under its row
// lock and returns it as stored.
func (s *Server) updateCall(ctx context.Context, id string, change func(*scenarios.Call)) (*scenarios.Call, error) {
	data, err := s.store.UpdateCall(ctx, id, func(old []byte) ([]byte, error) {
		var c scenarios.Call
		if old != nil {
			if err := json.Unmarshal(old, &c); err != nil {
				return nil, err
			}
		}
		change(&c)
		return json.Marshal(c)
	})
	if err != nil {
		return nil, err
	}
	var c scenarios.Call
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// integrationsFor returns the connected integrations with a helpdesk user
// bound to the extension, with that user's id (CrmId).
func (s *Server) integrationsFor(ctx context.Context, extension string) (map[string]string, error) {
	list, err := s.store.ListIntegrations(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, in := range list {
		if !takesCalls(in) {
			continue
		}
		users, err := s.store.ListUsers(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			for _, e := range u.Extensions {
				if e == extension {
					out[in.ID] = u.UserID
				}
			}
		}
	}
	return out, nil
}

// whyUnrouted says why no integration works on calls of an extension, for
// the call's page: a call that quietly does nothing looks like a bug.
func (s *Server) whyUnrouted(ctx context.Context, extension string) (string, error) {
	list, err := s.store.ListIntegrations(ctx)
	if err != nil {
		return "", err
	}
	channels, err := s.channelIDs(ctx)
	if err != nil {
		return "", err
	}
	var each []string
	for _, in := range list {
		if _, isChannel := slices.BinarySearch(channels, in.ID); isChannel {
			continue
		}
		switch {
		case !takesCalls(in):
			each = append(each, fmt.Sprintf("%s (%s) is %s: %s", in.ID, in.TemplateID, in.Status, firstNonEmpty(in.StatusReason, "not connected")))
		default:
			each = append(each, fmt.Sprintf("%s (%s) has no helpdesk user bound to extension %s (bind one: PUT /api/v1/integrations/%s/users/{userId})", in.ID, in.TemplateID, extension, in.ID))
		}
	}
	if len(each) == 0 {
		return "no helpdesk or CRM integration is set up (POST /api/v1/integrations)", nil
	}
	return "no integration works on calls of extension " + extension + ": " + strings.Join(each, "; "), nil
}

// takesCalls reports whether call work is queued for an integration: when
// it is connected, and also when it failed after having been connected
// (its calls fail on authentication, say), so that the work waits in the
// queue until the credentials are fixed instead of being lost.
func takesCalls(in *store.Integration) bool {
	return in.Status == store.StatusConnected || (in.Status == store.StatusFailed && !in.ConnectedAt.IsZero())
}

type callWorkWorker struct {
	river.WorkerDefaults[callWorkArgs]
	s *Server
}

// Work runs the steps due for the call in order, each at most once: a step
// that succeeded is skipped when the job runs again after a failure or a
// crash. One job at a time works on a call and integration (a lease), so
// the ringing work and the hangup work never overlap. Work that fails for a
// reason no retry can change, or for longer than the queue's GiveUpAfter,
// ends failed (River's cancelled state) instead of being retried.
func (w *callWorkWorker) Work(ctx context.Context, job *river.Job[callWorkArgs]) error {
	err := w.work(ctx, job)
	var snooze *river.JobSnoozeError
	if err == nil || errors.As(err, &snooze) {
		return err
	}
	if permanent(err) {
		return river.JobCancel(err)
	}
	if giveUp := w.s.cfg.Queue.WithDefaults().GiveUpAfter; w.s.now().Sub(job.CreatedAt) >= giveUp {
		return river.JobCancel(fmt.Errorf("still failing after %s, giving up: %w", giveUp, err))
	}
	return err
}

// permanent reports whether a step failed for a reason that retrying
// cannot change: the template renders something it must not send, or
// more than a render may (a poisoned job would otherwise come back after
// every restart).
func permanent(err error) bool {
	return errors.Is(err, engine.ErrInvalidJSONBody) || errors.Is(err, engine.ErrRenderLimit)
}

func (w *callWorkWorker) work(ctx context.Context, job *river.Job[callWorkArgs]) error {
	s, a := w.s, job.Args
	leaseKey, owner := "call:"+a.CallID+":"+a.IntegrationID, "job:"+strconv.FormatInt(job.ID, 10)
	// The lease outlives the job's time limit, so it only lapses for a
	// worker that died.
	ok, err := s.store.TryLease(ctx, leaseKey, owner, s.now(), s.cfg.Queue.WithDefaults().JobTimeout+10*time.Second)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(300 * time.Millisecond)
	}
	defer func() {
		if err := s.store.ReleaseLease(context.WithoutCancel(ctx), leaseKey, owner); err != nil {
			s.log.Warn("releasing a lease", slog.String("key", leaseKey), slog.Any("err", err))
		}
	}()

	data, err := s.store.GetCall(ctx, a.CallID)
	if err != nil {
		return err
	}
	var call scenarios.Call
	if err := json.Unmarshal(data, &call); err != nil {
		return err
	}
	in, err := s.store.GetIntegration(ctx, a.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted since: nothing to do
	}
	if err != nil {
		return err
	}
	client, _, err := s.rt.client(ctx, in)
	if err != nil {
		return err
	}
	settings := scenarios.ParseSettings(in.Settings)
	for _, step := range scenarios.Plan(&call, settings, client.Template()) {
		if err := s.runStep(ctx, job.ID, &call, in, client, settings, step); err != nil {
			return err
		}
	}
	return s.screenPop(ctx, &call, in, settings)
}

// screenPop pushes the contact's page to the agent of the call's
// extension when the call reaches the configured trigger, once per call
// and integration.
func (s *Server) screenPop(ctx context.Context, call *scenarios.Call, in *store.Integration, st scenarios.Settings) error {
	if st.ScreenPop == nil || st.ScreenPop.Trigger != call.State {
		return nil
	}
	send := false
	link, err := s.store.UpdateCallLink(ctx, call.ID, in.ID, func(m map[string]string) {
		if m["PoppedAt"] == "" {
			m["PoppedAt"], send = s.now().UTC().Format(time.RFC3339), true
		}
	})
	if err != nil || !send {
		return err
	}
	s.publish(ctx, streamEvent{Type: "screenPop", Extension: call.Extension, Data: map[string]any{
		"callId": call.ID, "integrationId": in.ID, "trigger": call.State, "number": call.External.Number, "name": call.External.Name,
		"url": link["ContactUrl"], "contactId": link["ContactId"], "contactName": strings.TrimSpace(link["FirstName"] + " " + link["LastName"]),
	}})
	return nil
}

// runStep does one step unless it is done already, keeping its run record.
func (s *Server) runStep(ctx context.Context, jobID int64, call *scenarios.Call, in *store.Integration, client *engine.Client, st scenarios.Settings, step scenarios.Step) error {
	run, err := s.store.GetRunByStep(ctx, call.ID, in.ID, step.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		run = &store.Run{ID: newID("run"), CallID: call.ID, IntegrationID: in.ID, Step: step.Name, Scenario: step.Scenario, CreatedAt: s.now()}
	case err != nil:
		return err
	case run.Status == store.RunSucceeded || run.Status == store.RunSkipped:
		return nil
	}
	run.Attempts++
	run.JobID, run.Status, run.UpdatedAt = jobID, store.RunRunning, s.now()
	if err := s.store.SaveRun(ctx, run); err != nil {
		return err
	}
	links, err := s.store.CallLinks(ctx, call.ID)
	if err != nil {
		return err
	}
	link := links[in.ID]
	if link == nil {
		link = map[string]string{}
	}
	vars, err := s.stepVars(ctx, call, in, client, st, step, link)
	if err != nil {
		return s.finishRun(ctx, in, run, nil, err)
	}
	outputs, res, err := s.doStep(ctx, call, in, client, st, step, vars, link)
	if err == nil {
		if why := allSkipped(client, step, vars, res); why != "" {
			err = skipped{why}
		}
	}
	if err == nil && outputs != nil {
		_, err = s.store.UpdateCallLink(ctx, call.ID, in.ID, func(m map[string]string) {
			for k, v := range outputs {
				m[k] = v
			}
		})
	}
	return s.finishRun(ctx, in, run, res, err)
}

// finishRun records how a step ended; a failure is returned so the job
// is retried with backoff.
func (s *Server) finishRun(ctx context.Context, in *store.Integration, run *store.Run, res *engine.Result, err error) error {
	run.UpdatedAt, run.LastError = s.now(), ""
	if res != nil {
		run.Trace, _ = json.Marshal(res.Trace) // exchanges always marshal
		run.Outputs = res.Vars
	}
	switch {
	case errors.Is(err, errSkipped):
		run.Status, run.LastError, err = store.RunSkipped, err.Error(), nil
	case err != nil:
		run.Status, run.LastError = store.RunFailed, err.Error()
	default:
		run.Status = store.RunSucceeded
	}
	if serr := s.store.SaveRun(ctx, run); serr != nil {
		return serr
	}
	s.authHealth.observe(ctx, in, res, err, s.now())
	s.metrics.steps.WithLabelValues(run.Step, run.Status).Inc()
	if err != nil {
		s.log.Warn("call step failed", slog.String("call", run.CallID), slog.String("integration", run.IntegrationID),
			slog.String("step", run.Step), slog.Int("attempt", run.Attempts), slog.String("err", run.LastError))
		return fmt.Errorf("%s: %w", run.Step, err)
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
func allSkipped(client *engine.Client, step scenarios.Step, vars engine.Vars, res *engine.Result) string {
	if res == nil || len(res.Trace) == 0 {
		return ""
	}
	var why []string
	for _, ex := range res.Trace {
		if !ex.Skipped {
			return ""
		}
		reason := fmt.Sprintf("request %s was not sent: %s", ex.Request, ex.SkipReason)
		if sc := client.Template().Scenario(step.Scenario); sc != nil && sc.Request(ex.Request) != nil {
			var missing []string
			for _, v := range sc.Request(ex.Request).URL.Variables() {
				if vars[v] == "" && client.Vars()[v] == "" && !slices.Contains(missing, v) {
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

// stepVars are the variables of a step: the call's, what earlier steps
// learned, the bound user, the scenario settings, and the subject and
// description of the settings rendered as templates.
func (s *Server) stepVars(ctx context.Context, call *scenarios.Call, in *store.Integration, client *engine.Client, st scenarios.Settings, step scenarios.Step, link map[string]string) (engine.Vars, error) {
	ext := scenarios.ExtensionInfo{Number: call.Extension}
	if e, err := s.store.GetExtension(ctx, call.Extension); err == nil {
		ext = scenarios.ExtensionInfo{Number: e.Number, FirstName: e.FirstName, LastName: e.LastName, Email: e.Email}
	}
	vars := call.Vars(scenarios.CallContext{Extension: ext, Location: s.cfg.TimeZone, RecordURL: s.recordURL(call, st)})
	for k, v := range link {
		if v != "" {
			vars[k] = v
		}
	}
	for k, v := range st.ScenarioParameters[step.Scenario] {
		vars[k] = v
	}
	var subject, description string
	switch step.Name {
	case scenarios.StepCreateTicket, scenarios.StepUpdateTicket:
		if st.Ticket != nil {
			subject, description = st.Ticket.Subject, st.Ticket.Description
		}
	case scenarios.StepJournal:
		if st.CallJournal != nil {
			subject, description = st.CallJournal.Subject, st.CallJournal.Description
		}
	}
	for name, text := range map[string]string{"Subject": subject, "Description": description} {
		if strings.TrimSpace(text) == "" {
			delete(vars, name) // the scenario's default renders instead
			continue
		}
		t, err := engine.CompileText(text, engine.FuncMap(s.cfg.TimeZone))
		if err != nil {
			return nil, fmt.Errorf("the %s of the settings: %w", strings.ToLower(name), err)
		}
		v, err := t.Render(mergeVars(client.Vars(), vars))
		if err != nil {
			return nil, fmt.Errorf("the %s of the settings: %w", strings.ToLower(name), err)
		}
		vars[name] = v
	}
	return vars, nil
}

func mergeVars(layers ...engine.Vars) engine.Vars {
	out := engine.Vars{}
	for _, l := range layers {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// recordURL is where the helpdesk plays the recording: set when the
// journal's playback is on and the call has a recording.
func (s *Server) recordURL(call *scenarios.Call, st scenarios.Settings) string {
	if call.Recording == "" || st.CallJournal == nil || !st.CallJournal.PlayRecording {
		return ""
	}
	return s.recordings.url(call.Recording, s.now())
}

// doStep runs one step's scenario and returns what it adds to the call's
// link (contact id, ticket id …).
func (s *Server) doStep(ctx context.Context, call *scenarios.Call, in *store.Integration, client *engine.Client, st scenarios.Settings, step scenarios.Step, vars engine.Vars, link map[string]string) (map[string]string, *engine.Result, error) {
	idem := engine.RunOptions{IdempotencyKey: call.ID + ":" + in.ID + ":" + step.Name}
	run := func(requests []string) *engine.Result {
		opts := idem
		opts.Requests = requests
		return client.Run(ctx, step.Scenario, vars, opts)
	}
	switch step.Name {
	case scenarios.StepLookup:
		return s.lookup(ctx, call, in, client, st, step, vars)
	case scenarios.StepCreateContact:
		if link["ContactId"] != "" {
			return nil, nil, skipped{"the caller is a known contact (" + link["ContactId"] + ")"}
		}
		first, last := splitName(call.External.Name)
		vars["FirstName"], vars["LastName"] = first, last
		vars["DisplayName"] = firstNonEmpty(call.External.Name, call.External.Number)
		vars["BusinessNumber"] = call.External.Number
		res := run(step.Requests)
		if res.Err != nil {
			return nil, res, res.Err
		}
		return map[string]string{"ContactId": res.Vars["ContactId"], "ContactSyncType": step.Requests[0], "ContactCreated": "1"}, res, nil
	case scenarios.StepUpdateTicket:
		if link["TicketId"] == "" {
			return nil, nil, skipped{"no ticket was made for this call"}
		}
	}
	res := run(step.Requests)
	if res.Err != nil {
		return nil, res, res.Err
	}
	out := map[string]string{}
	if t := res.Vars["TicketId"]; t != "" {
		out["TicketId"] = t
	}
	return out, res, nil
}

// lookup finds the caller: in the local contact group first unless
// "always query" is on, then in the helpdesk, keeping what it finds in the
// group.
func (s *Server) lookup(ctx context.Context, call *scenarios.Call, in *store.Integration, client *engine.Client, st scenarios.Settings, step scenarios.Step, vars engine.Vars) (map[string]string, *engine.Result, error) {
	key := scenarios.Digits(call.External.Number)
	always := st.ContactSync != nil && st.ContactSync.AlwaysQuery
	if !always && key != "" {
		found, err := s.store.FindGroupContacts(ctx, in.ID, key)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range found {
			var c scenarios.Contact
			if json.Unmarshal(g.Data, &c) == nil && (len(step.Requests) == 0 || slices.Contains(step.Requests, c.Type)) {
				out := contactVars(c)
				out["ContactFrom"] = "group"
				return out, &engine.Result{Scenario: step.Scenario, Vars: out, Trace: []engine.Exchange{}}, nil
			}
		}
	}
	contacts, res := scenarios.LookupContacts(ctx, client, vars, step.Requests)
	if res.Err != nil {
		return nil, res, res.Err
	}
	var group []store.GroupContact
	for _, c := range contacts {
		data, _ := json.Marshal(c) // a contact of strings always marshals
		seen := map[string]bool{}
		for name, v := range c.Values {
			if !isPhoneOutput(name) || scenarios.Digits(v) == "" || seen[scenarios.Digits(v)] {
				continue
			}
			seen[scenarios.Digits(v)] = true
			group = append(group, store.GroupContact{IntegrationID: in.ID, ContactType: c.Type, ContactID: c.Values["ContactsId"], NumberKey: scenarios.Digits(v), Data: data})
		}
	}
	if err := s.store.PutGroupContacts(ctx, group); err != nil {
		return nil, res, err
	}
	if len(contacts) == 0 {
		return map[string]string{"ContactCount": "0"}, res, nil
	}
	out := contactVars(contacts[0])
	out["ContactCount"] = strconv.Itoa(len(contacts))
	out["ContactFrom"] = "helpdesk"
	return out, res, nil
}

// contactVars are the variables a found contact gives the call's later
// steps.
func contactVars(c scenarios.Contact) map[string]string {
	out := map[string]string{"ContactId": c.Values["ContactsId"], "ContactSyncType": c.Type, "ContactUrl": c.URL}
	for _, k := range []string{"FirstName", "LastName", "Company", "Email"} {
		if v := c.Values[k]; v != "" {
			out[k] = v
		}
	}
	return out
}

func isPhoneOutput(name string) bool {
	switch name {
	case "BusinessNumber", "BusinessNumber2", "BusinessFaxNumber", "MobileNumber", "MobileNumber2",
		"HomeNumber", "HomeNumber2", "HomeFaxNumber", "OtherNumber":
		return true
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// splitName splits "Ann Lee" into first and last name.
func splitName(name string) (string, string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndex(name, " "); i > 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}
