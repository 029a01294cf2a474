package calls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/internal/groupcommit"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// Store is what the service keeps calls in.
type Store interface {
	store.CallStore
	store.LeaseStore
	GetIntegration(ctx context.Context, id string) (*store.Integration, error)
	ListIntegrations(ctx context.Context) ([]*store.Integration, error)
	ListChannels(ctx context.Context) ([]*store.Channel, error)
	GetExtension(ctx context.Context, number string) (*store.Extension, error)
	// Shared reports whether replicas share the store (their leases must
	// be the store's).
	Shared() bool
}

// Runtime gives the connection of an integration and learns how its
// calls' requests went (integrations.Runtime).
type Runtime interface {
	Conn(ctx context.Context, in *store.Integration) (*integrations.Conn, error)
	// ConnAt returns an integration, as stored, with its connection, given
	// its revisions as read with the job's other inputs (nil: there is
	// none, store.ErrNotFound).
	ConnAt(ctx context.Context, id string, revs *store.Revisions) (*integrations.Conn, *store.Integration, error)
	Observe(ctx context.Context, in *store.Integration, res *engine.Result, err error)
}

// ScreenPop is a contact's page pushed to the agent of a call's extension.
type ScreenPop struct {
	CallID, IntegrationID, Trigger string
	Extension                      string // whose screen
	Number, Name                   string // the caller, as the PBX says
	URL, ContactID, ContactName    string // the contact, as the helpdesk says
	TicketID, TicketURL            string // the call's ticket, when one was made
}

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	Store   Store   // required
	Runtime Runtime // required
	// OpenQueue opens the durable job queue with the given config, to
	// which the service has added its workers (store.OpenQueue over the
	// service's database). Required.
	OpenQueue func(ctx context.Context, cfg store.QueueConfig) (store.Queue, error)
	// Queue tunes the job queue; its Workers may hold other packages'
	// workers, and the service adds its own.
	Queue store.QueueConfig
	// Publish pushes screen pops to agents. Default: dropped.
	Publish func(ctx context.Context, pop ScreenPop)
	// RecordURL is the link a helpdesk plays a call's recording at.
	// Default: recordings are not linked.
	RecordURL func(recording string, now time.Time) string
	// Count, when set, counts the attempts of steps by outcome (metrics).
	Count func(step, status string)
	// TimeZone is the PBX time zone of the call variables. Default
	// time.Local.
	TimeZone *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives failed steps. Default: discard.
	Log *slog.Logger
}

// WithDefaults returns the config with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if c.Publish == nil {
		c.Publish = func(context.Context, ScreenPop) {}
	}
	if c.RecordURL == nil {
		c.RecordURL = func(string, time.Time) string { return "" }
	}
	if c.Count == nil {
		c.Count = func(string, string) {}
	}
	if c.TimeZone == nil {
		c.TimeZone = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Queue = c.Queue.WithDefaults()
	return c
}

// Validate names the first field that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("calls: Config.Store is required")
	case c.Runtime == nil:
		return errors.New("calls: Config.Runtime is required")
	case c.OpenQueue == nil:
		return errors.New("calls: Config.OpenQueue is required")
	}
	return c.Queue.Validate()
}

// Service takes call events and works them.
type Service struct {
	cfg    Config
	store  Store
	rt     Runtime
	queue  store.Queue
	log    *slog.Logger
	intake *groupcommit.Committer[*delivery]
	leases *localLeases // nil when the store is shared: its leases are
	// releases gives the store's leases back in groups (shared stores).
	releases *groupcommit.Committer[store.HeldLease]
}

// New returns a service over a newly opened job queue; Start works it.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	s := &Service{cfg: cfg, store: cfg.Store, rt: cfg.Runtime, log: cfg.Log}
	s.intake = s.newIntake(cfg.Store.Shared())
	if cfg.Store.Shared() {
		s.releases = groupcommit.New(groupcommit.Config[store.HeldLease]{Commit: s.store.ReleaseLeases, Parallel: 2})
	} else {
		s.leases = &localLeases{held: map[string]bool{}}
	}
	qc := cfg.Queue
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	river.AddWorker(qc.Workers, &eventWorker{s: s})
	river.AddWorker(qc.Workers, &workWorker{s: s})
	if qc.Logger == nil {
		qc.Logger = cfg.Log
	}
	q, err := cfg.OpenQueue(ctx, qc)
	if err != nil {
		return nil, fmt.Errorf("opening the job queue: %w", err)
	}
	s.queue = q
	return s, nil
}

// Start begins working queued jobs in the background; ctx's end is not
// its end (Stop is). Start while running does nothing.
func (s *Service) Start(ctx context.Context) error {
	if err := s.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	return nil
}

// Stop stops working jobs: running jobs finish, or, once ctx ends, are
// cancelled (they run again at the next start) and waited for. Stop
// without Start, or twice, does nothing.
func (s *Service) Stop(ctx context.Context) error {
	err := s.queue.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	if cerr := s.queue.StopAndCancel(context.WithoutCancel(ctx)); cerr != nil {
		return fmt.Errorf("stopping the job queue: %w", cerr)
	}
	return fmt.Errorf("stopping the job queue: running jobs were cut off and will run again: %w", err)
}

// Accept stores a call event, so it is worked even if the process dies
// right after; key identifies the delivery (a repeat is stored once, and
// duplicate is true). The event is merged into its call and the work it
// makes due is stored as jobs in the same transaction, together with the
// other events arriving meanwhile (see newIntake): the PBX sends a call's
// next event after this one's answer, so the answered time is in the call
// before the hangup's work reads it.
func (s *Service) Accept(ctx context.Context, e scenarios.CallEvent, key string) (duplicate bool, err error) {
	d := &delivery{event: e, key: key}
	if err := s.intake.Do(ctx, d); err != nil {
		return false, err
	}
	return d.dup, nil
}

// Call returns a stored call, raw and decoded; store.ErrNotFound when
// unknown.
func (s *Service) Call(ctx context.Context, id string) ([]byte, *scenarios.Call, error) {
	data, err := s.store.GetCall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var call scenarios.Call
	if err := json.Unmarshal(data, &call); err != nil {
		return nil, nil, err
	}
	return data, &call, nil
}
