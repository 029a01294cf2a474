package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// postCallEvent takes a call event in Switchboard's JSON. The 202 comes
// only after the event is stored, with the work it makes due; a repeated
// delivery of the same event is stored once.
func (s *Server) postCallEvent(w http.ResponseWriter, r *http.Request) error {
	var e scenarios.CallEvent
	if err := s.decodeJSON(w, r, &e); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return badRequest("%v", err)
	}
	canonical, _ := json.Marshal(e) // a struct of plain values always marshals
	// Stamped after the key: a repeated delivery is the same event
	// whenever it comes.
	e.Stamp(s.now())
	return s.accept(w, r, e, calls.EventKey(canonical), "switchboard")
}

// postYeastarEvent takes a Yeastar P-Series event (30011, 30012) from a
// caller with an API token. (The PBX's own webhook comes to
// postYeastarWebhook: it cannot send the token.)
func (s *Server) postYeastarEvent(w http.ResponseWriter, r *http.Request) error {
	body, err := s.jsonBody(w, r)
	if err != nil {
		return err
	}
	return s.takeYeastar(w, r, body, false)
}

// takeYeastar stores a Yeastar event's call event. fromPBX is the PBX's
// webhook: its Content-Type is not checked (the PBX's documentation does
// not say what it sends), and a JSON object without an event type, which
// no event is, is taken as the PBX's "send test message" and answered
// 202, so that the test passes.
func (s *Server) takeYeastar(w http.ResponseWriter, r *http.Request, body []byte, fromPBX bool) error {
	e, err := scenarios.ParseYeastar(body, s.cfg.TimeZone, s.now())
	var ign *scenarios.ErrIgnored
	if err != nil && fromPBX && untypedObject(body) {
		ign = &scenarios.ErrIgnored{Reason: "no event type: a test message?"}
		err = ign
	}
	if errors.As(err, &ign) {
		s.metrics.events.WithLabelValues("yeastar", "ignored").Inc()
		writeJSON(w, http.StatusAccepted, map[string]any{"ignored": ign.Reason})
		return nil
	}
	if err != nil {
		s.metrics.events.WithLabelValues("yeastar", "invalid").Inc()
		return badRequest("%v", err)
	}
	return s.accept(w, r, *e, calls.EventKey(body), "yeastar")
}

// untypedObject says whether body is a JSON object without a "type".
func untypedObject(body []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	t, ok := probe["type"]
	return !ok || string(t) == "null" || string(t) == "0" || string(t) == `""`
}

func (s *Server) accept(w http.ResponseWriter, r *http.Request, e scenarios.CallEvent, key, source string) error {
	dup, err := s.calls.Accept(r.Context(), e, key)
	if err != nil {
		return err
	}
	result := "accepted"
	if dup {
		result = "duplicate"
	}
	s.metrics.events.WithLabelValues(source, result).Inc()
	writeJSON(w, http.StatusAccepted, map[string]any{"eventId": key, "callId": e.CallID, "duplicate": dup})
	return nil
}

type runView struct {
	ID            string            `json:"id"`
	CallID        string            `json:"callId"`
	IntegrationID string            `json:"integrationId"`
	Step          string            `json:"step"`
	Scenario      string            `json:"scenario"`
	Status        string            `json:"status"`
	Attempts      int               `json:"attempts"`
	LastError     string            `json:"lastError,omitempty"`
	SkipReason    string            `json:"skipReason,omitempty"` // why a skipped step did nothing
	Outputs       map[string]string `json:"outputs"`
	Trace         json.RawMessage   `json:"trace"`
	JobState      string            `json:"jobState,omitempty"` // of the job that last worked the step: running, retryable, discarded, completed …
	CreatedAt     time.Time         `json:"createdAt"`
	UpdatedAt     time.Time         `json:"updatedAt"`
}

func viewRun(r *store.Run) runView {
	trace := json.RawMessage(r.Trace)
	if len(trace) == 0 {
		trace = json.RawMessage("[]")
	}
	out := r.Outputs
	if out == nil {
		out = map[string]string{}
	}
	v := runView{ID: r.ID, CallID: r.CallID, IntegrationID: r.IntegrationID, Step: r.Step, Scenario: r.Scenario, Status: r.Status,
		Attempts: r.Attempts, LastError: r.LastError, Outputs: out, Trace: trace, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Status == store.RunSkipped {
		v.SkipReason, v.LastError = r.LastError, "" // a skipped run keeps its reason where a failed one keeps its error
	}
	return v
}

// viewRuns adds the state of each run's job.
func (s *Server) viewRuns(ctx context.Context, runs []*store.Run) []runView {
	views := make([]runView, 0, len(runs))
	for _, run := range runs {
		v := viewRun(run)
		v.JobState = s.calls.JobState(ctx, run)
		views = append(views, v)
	}
	return views
}

// getCall says what happened with a call: the call, what each integration
// learned (contacts, ticket, screen-pop URL) and every step with its trace.
func (s *Server) getCall(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("callId")
	data, _, err := s.loadCall(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := s.calls.Details(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"call": json.RawMessage(data), "integrations": d.Links, "runs": s.viewRuns(r.Context(), d.Runs)})
	return nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.RunPending, store.RunRunning, store.RunSucceeded, store.RunFailed, store.RunSkipped:
	default:
		return badRequest("status %q is not one of pending, running, succeeded, failed, skipped", status)
	}
	runs, err := s.calls.Runs(r.Context(), store.RunFilter{Status: status, CallID: r.URL.Query().Get("callId")})
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"runs": s.viewRuns(r.Context(), runs)})
	return nil
}

// retryRun runs a failed step's job again; the steps of that job that
// succeeded are not repeated.
func (s *Server) retryRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.calls.RetryRun(r.Context(), r.PathValue("id"))
	var conflict *calls.ConflictError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("run " + r.PathValue("id"))
	case errors.As(err, &conflict):
		return errorf(http.StatusConflict, "conflict", "%s", conflict.Reason)
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": run.ID, "status": "retrying"})
	return nil
}

// callPopup answers a screen pop on request: the contact pages the call's
// integrations found. Agents see only calls of their own extension.
func (s *Server) callPopup(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("callId")
	_, call, err := s.loadCall(r.Context(), id)
	if err != nil {
		return err
	}
	if p := principalFrom(r.Context()); p.Role == store.RoleAgent && p.Extension != call.Extension {
		return errorf(http.StatusForbidden, "forbidden", "call %s is not on your extension", id)
	}
	links, err := s.calls.Links(r.Context(), id)
	if err != nil {
		return err
	}
	pops := []map[string]string{}
	for integration, l := range links {
		if l["ContactUrl"] == "" && l["ContactId"] == "" {
			continue
		}
		pops = append(pops, map[string]string{"integrationId": integration, "url": l["ContactUrl"], "contactId": l["ContactId"],
			"contactName": strings.TrimSpace(l["FirstName"] + " " + l["LastName"])})
	}
	writeJSON(w, 200, map[string]any{"callId": id, "number": call.External.Number, "pops": pops})
	return nil
}

// loadCall returns a stored call, raw and decoded; 404 when unknown.
func (s *Server) loadCall(ctx context.Context, id string) ([]byte, *scenarios.Call, error) {
	data, call, err := s.calls.Call(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound("call " + id)
	}
	return data, call, err
}
