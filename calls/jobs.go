package calls

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// eventArgs is an acknowledged call event, stored as a job before the PBX
// gets its 202. Key identifies the delivery: a repeated delivery has the
// same key and is not stored twice.
type eventArgs struct {
	Key   string              `json:"key" river:"unique"`
	Event scenarios.CallEvent `json:"event"`
}

func (eventArgs) Kind() string { return "call_event" }

// workArgs does what is due for one call and one integration once the
// call reached a state.
type workArgs struct {
	CallID        string `json:"callId" river:"unique"`
	IntegrationID string `json:"integrationId" river:"unique"`
	State         string `json:"state" river:"unique"`
}

func (workArgs) Kind() string { return "call_work" }

// uniqueByArgs stores a job once per distinct arguments. Failing work is
// retried until it is older than the queue's GiveUpAfter (the workers
// check), not for a number of attempts: with waits capped at seconds, any
// small count would end the work of a short outage. MaxAttempts is only a
// backstop.
var uniqueByArgs = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 100_000}

// EventKey identifies an event delivery by its content.
func EventKey(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

type eventWorker struct {
	river.WorkerDefaults[eventArgs]
	s *Service
}

// Work merges the event into the call (again: Accept merged it, and
// merging is idempotent) and queues the work of every integration taking
// the extension's calls.
func (w *eventWorker) Work(ctx context.Context, job *river.Job[eventArgs]) error {
	s := w.s
	c, err := s.updateCall(ctx, job.Args.Event.CallID, func(c *scenarios.Call) { c.Apply(job.Args.Event) })
	if err != nil {
		return err
	}
	if c.Direction == "" || c.External.Number == "" || c.Extension == "" {
		return nil // a partial Yeastar event: wait for one that says who is calling
	}
	bound, err := s.store.CallBindings(ctx, c.Extension)
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
	for _, b := range bound {
		if _, err := s.store.UpdateCallLink(ctx, c.ID, b.IntegrationID, func(m map[string]string) { m["CrmId"] = b.UserID }); err != nil {
			return err
		}
		if _, _, err := s.queue.Enqueue(ctx, workArgs{CallID: c.ID, IntegrationID: b.IntegrationID, State: c.State}, uniqueByArgs); err != nil {
			return err
		}
	}
	return nil
}

// whyUnrouted says why no integration works on calls of an extension, for
// the call's page: a call that quietly does nothing looks like a bug.
func (s *Service) whyUnrouted(ctx context.Context, extension string) (string, error) {
	list, err := s.store.ListIntegrations(ctx)
	if err != nil {
		return "", err
	}
	channels, err := s.store.ListChannels(ctx)
	if err != nil {
		return "", err
	}
	var each []string
	for _, in := range list {
		if slices.ContainsFunc(channels, func(ch *store.Channel) bool { return ch.ID == in.ID }) {
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
// queue until the credentials are fixed instead of being lost. The store's
// CallBindings asks the same in SQL.
func takesCalls(in *store.Integration) bool {
	return in.Status == store.StatusConnected || (in.Status == store.StatusFailed && !in.ConnectedAt.IsZero())
}

type workWorker struct {
	river.WorkerDefaults[workArgs]
	s *Service
}

// Work runs the steps due for the call in order, each at most once: a step
// that succeeded is skipped when the job runs again after a failure or a
// crash. One job at a time works on a call and integration (a lease), so
// the ringing work and the hangup work never overlap. Work that fails for a
// reason no retry can change, or for longer than the queue's GiveUpAfter,
// ends failed (River's cancelled state) instead of being retried.
func (w *workWorker) Work(ctx context.Context, job *river.Job[workArgs]) error {
	err := w.s.work(ctx, job)
	var snooze *river.JobSnoozeError
	if err == nil || errors.As(err, &snooze) {
		return err
	}
	if permanent(err) {
		return river.JobCancel(err)
	}
	if giveUp := w.s.cfg.Queue.GiveUpAfter; w.s.cfg.Now().Sub(job.CreatedAt) >= giveUp {
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

func (s *Service) work(ctx context.Context, job *river.Job[workArgs]) error {
	a := job.Args
	leaseKey, owner := "call:"+a.CallID+":"+a.IntegrationID, "job:"+strconv.FormatInt(job.ID, 10)
	// The lease outlives the job's time limit, so it only lapses for a
	// worker that died.
	ok, err := s.store.TryLease(ctx, leaseKey, owner, s.cfg.Now(), s.cfg.Queue.JobTimeout+10*time.Second)
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
	_, call, err := s.Call(ctx, a.CallID)
	if err != nil {
		return err
	}
	in, err := s.store.GetIntegration(ctx, a.IntegrationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted since: nothing to do
	}
	if err != nil {
		return err
	}
	conn, err := s.rt.Conn(ctx, in)
	if err != nil {
		return err
	}
	for _, step := range scenarios.Plan(call, conn.Settings, conn.Client.Template()) {
		r := &stepRun{s: s, jobID: job.ID, call: call, in: in, conn: conn, step: step}
		if err := r.run(ctx); err != nil {
			return err
		}
	}
	return s.screenPop(ctx, call, in, conn.Settings)
}

// screenPop pushes the contact's page to the agent of the call's
// extension when the call reaches the configured trigger, once per call
// and integration.
func (s *Service) screenPop(ctx context.Context, call *scenarios.Call, in *store.Integration, st scenarios.Settings) error {
	if st.ScreenPop == nil || st.ScreenPop.Trigger != call.State {
		return nil
	}
	send := false
	link, err := s.store.UpdateCallLink(ctx, call.ID, in.ID, func(m map[string]string) {
		if m["PoppedAt"] == "" {
			m["PoppedAt"], send = s.cfg.Now().UTC().Format(time.RFC3339), true
		}
	})
	if err != nil || !send {
		return err
	}
	s.cfg.Publish(ctx, ScreenPop{CallID: call.ID, IntegrationID: in.ID, Trigger: call.State, Extension: call.Extension,
		Number: call.External.Number, Name: call.External.Name, URL: link["ContactUrl"], ContactID: link["ContactId"],
		ContactName: strings.TrimSpace(link["FirstName"] + " " + link["LastName"]), TicketID: link["TicketId"], TicketURL: link["TicketUrl"]})
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
