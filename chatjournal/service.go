package chatjournal

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// Store is what journaling reads and writes.
type Store interface {
	store.ChatJournalStore
	GetSession(ctx context.Context, id string) (*store.Session, error)
	Messages(ctx context.Context, sessionID string) ([]*store.Message, error)
	GetChannel(ctx context.Context, id string) (*store.Channel, error)
	GetExtension(ctx context.Context, number string) (*store.Extension, error)
	GetIntegration(ctx context.Context, id string) (*store.Integration, error)
	ListIntegrations(ctx context.Context) ([]*store.Integration, error)
	CallBindings(ctx context.Context, extension string) ([]store.CallBinding, error)
}

// Runtime supplies integrations' connections.
type Runtime interface {
	Conn(ctx context.Context, in *store.Integration) (*integrations.Conn, error)
	Observe(ctx context.Context, in *store.Integration, res *engine.Result, err error)
}

// Config configures the Service. Zero values take the defaults noted.
type Config struct {
	Store   Store   // required
	Runtime Runtime // required
	// Interval is how often sessions to journal are looked for, and due
	// journals written. Default 5s.
	Interval time.Duration
	// Batch bounds the sessions and journals taken at each look. Default 50.
	Batch int
	// RetryWait is the wait before a failed journal's second attempt,
	// doubled at each one after, up to 10 minutes. Default 5s.
	RetryWait time.Duration
	// GiveUpAfter is how long a failing journal is retried. Default 24h.
	GiveUpAfter time.Duration
	// TimeZone is the PBX's, for the transcript's times. Default Local.
	TimeZone *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Defaults of Config.
const (
	DefaultInterval    = 5 * time.Second
	DefaultBatch       = 50
	DefaultGiveUpAfter = 24 * time.Hour
	DefaultRetryWait   = 5 * time.Second
)

// WithDefaults fills in the zero fields.
func (c Config) WithDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.RetryWait <= 0 {
		c.RetryWait = DefaultRetryWait
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = DefaultGiveUpAfter
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
	return c
}

// Service journals sessions.
type Service struct {
	cfg   Config
	store Store
	rt    Runtime
	log   *slog.Logger
	// subject and description are Switchboard's, for templates and
	// settings that say none.
	subject, description *engine.Text
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("chatjournal: Config.Store is required")
	case cfg.Runtime == nil:
		return nil, errors.New("chatjournal: Config.Runtime is required")
	}
	cfg = cfg.WithDefaults()
	s := &Service{cfg: cfg, store: cfg.Store, rt: cfg.Runtime, log: cfg.Log}
	var err error
	if s.subject, err = engine.CompileText(scenarios.DefaultChatSubject, engine.FuncMap(cfg.TimeZone)); err != nil {
		return nil, err
	}
	if s.description, err = engine.CompileText(scenarios.DefaultChatDescription, engine.FuncMap(cfg.TimeZone)); err != nil {
		return nil, err
	}
	return s, nil
}

// sweepArgs is the duty's job.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "chat_journal_sweep" }

var _ river.JobArgs = sweepArgs{}

// AddJobs adds the journaling duty to the queue's configuration: one
// replica at a time runs Sweep every Interval.
func (s *Service) AddJobs(qc store.QueueConfig) store.QueueConfig {
	return store.AddDuty(qc, sweepArgs{}, s.cfg.Interval, s.Sweep)
}

// Sweep queues the journals of sessions that need one, then writes the
// journals that are due.
func (s *Service) Sweep(ctx context.Context) {
	if err := s.queueDue(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("chat journal: finding sessions to journal failed", slog.String("err", err.Error()))
	}
	due, err := s.store.DueChatJournals(ctx, s.cfg.Now(), s.cfg.Batch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("chat journal: reading due journals failed", slog.String("err", err.Error()))
		}
		return
	}
	for _, j := range due {
		if ctx.Err() != nil {
			return
		}
		if err := s.write(ctx, j); err != nil && ctx.Err() == nil {
			s.log.Warn("chat journal: saving a journal failed", slog.String("journal", j.ID), slog.String("err", err.Error()))
		}
	}
}
