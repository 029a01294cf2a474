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
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// eventArgs is a call event as earlier versions stored it, one job per
// event before the PBX got its 202 (Accept now stores events in groups,
// straight into their calls). The kind stays so that such jobs still
// queued at an upgrade are worked.
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
	// CrmID is the helpdesk user bound to the call's extension when the
	// work was made due (empty in jobs of earlier versions, which wrote
	// it to the call's link instead).
	CrmID string `json:"crmId,omitempty"`
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

// Work takes an event stored as a job by an earlier version, which
// stored each event as a job before merging it: it merges the event (again:
// merging is idempotent) and stores the work it makes due, as Accept does
// now in one step.
func (w *eventWorker) Work(ctx context.Context, job *river.Job[eventArgs]) error {
	s := w.s
	d := &delivery{event: job.Args.Event, key: job.Args.Key}
	err := s.queue.Tx(ctx, func(tx store.QueueTx) error { return s.takeGroup(ctx, tx, []*delivery{d}, false) })
	if err == nil {
		s.explainUnrouted(ctx, []*delivery{d})
	}
	return err
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
	key, owner := "call:"+a.CallID+":"+a.IntegrationID, "job:"+strconv.FormatInt(job.ID, 10)
	inputs, release, err := s.leaseAndRead(ctx, a, key, owner)
	if release != nil {
		defer release()
	}
	if err != nil {
		return err
	}
	if !inputs.Leased {
		return river.JobSnooze(300 * time.Millisecond)
	}
	call, err := storedCall(a.CallID, inputs.Call)
	if err != nil {
		return err
	}
	conn, in, err := s.rt.ConnAt(ctx, a.IntegrationID, inputs.Revisions)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted since: nothing to do
	}
	if err != nil {
		return err
	}
	w := s.newCallWork(job, call, in, conn, inputs)
	for _, step := range scenarios.Plan(call, conn.Settings, conn.Client.Template()) {
		if err := w.run(ctx, step); err != nil {
			return err
		}
	}
	return s.screenPop(ctx, call, in, w.link, conn.Settings)
}

// leaseAndRead takes the turn of one job at a time on a call and
// integration, so that the ringing work and the hangup work never
// overlap, and reads the work's inputs. The turn is this process's when
// the store is its own (an embedded database has one process), and the
// store's lease when replicas share it, taken in the reads' round trip.
// release, when not nil, gives the turn back: the store's leases go back
// in groups, so that many jobs ending together cost one statement.
func (s *Service) leaseAndRead(ctx context.Context, a workArgs, key, owner string) (*store.CallWork, func(), error) {
	if s.leases != nil {
		release, ok := s.leases.take(key)
		if !ok {
			return &store.CallWork{}, nil, nil
		}
		inputs, err := s.store.CallWork(ctx, a.CallID, a.IntegrationID, nil)
		return inputs, release, err
	}
	// The lease outlives the job's time limit, so it only lapses for a
	// worker that died.
	lease := &store.WorkLease{Key: key, Owner: owner, Now: s.cfg.Now(), TTL: s.cfg.Queue.JobTimeout + 10*time.Second}
	inputs, err := s.store.CallWork(ctx, a.CallID, a.IntegrationID, lease)
	if err == nil && !inputs.Leased {
		return inputs, nil, nil
	}
	// Also after an error: the lease may have been taken before it (the
	// call was not found), and giving back one not held changes nothing.
	return inputs, func() {
		if err := s.releases.Do(context.WithoutCancel(ctx), store.HeldLease{Key: key, Owner: owner}); err != nil {
			s.log.Warn("releasing a lease", slog.String("key", key), slog.Any("err", err))
		}
	}, err
}

// localLeases are the leases of one process.
type localLeases struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *localLeases) take(key string) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] {
		return nil, false
	}
	l.held[key] = true
	return func() {
		l.mu.Lock()
		delete(l.held, key)
		l.mu.Unlock()
	}, true
}

// screenPop pushes the contact's page to the agent of the call's
// extension when the call reaches the configured trigger, once per call
// and integration.
func (s *Service) screenPop(ctx context.Context, call *scenarios.Call, in *store.Integration, known map[string]string, st scenarios.Settings) error {
	if st.ScreenPop == nil || st.ScreenPop.Trigger != call.State || known["PoppedAt"] != "" {
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
