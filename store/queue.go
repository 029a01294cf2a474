package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboard/switchboard/internal/configcheck"
)

// Queue is the durable work queue: River on the same database as the rest
// of the state (riversqlite on SQLite, riverpgxv5 on PostgreSQL). A job
// inserted is stored before Enqueue returns and is worked at least once,
// across crashes and restarts.
type Queue interface {
	// Enqueue stores a job. With unique options, a job equal to one already
	// stored is not stored again: duplicate is true and id is the existing
	// job's.
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (id int64, duplicate bool, err error)
	// Tx runs f in one transaction, storing the jobs it enqueues with what
	// else it writes; f's error rolls all of it back.
	Tx(ctx context.Context, f func(tx QueueTx) error) error
	// Retry makes a finished or failed job run again now.
	Retry(ctx context.Context, id int64) error
	// Job returns a stored job.
	Job(ctx context.Context, id int64) (*rivertype.JobRow, error)
	// Waiting counts the jobs waiting to be worked: available now,
	// scheduled for later, or to be retried (not those running or done).
	Waiting(ctx context.Context) (int, error)
	// Start begins working jobs; Stop waits for running jobs to finish, or
	// returns ctx's error when it ends first (the jobs still run);
	// StopAndCancel cancels the running jobs' contexts and waits for them.
	// Cancelling Start's context is StopAndCancel too.
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// QueueConfig configures the queue. Zero values take the defaults noted.
type QueueConfig struct {
	// Workers work the job kinds. Required to work jobs; nil makes an
	// insert-only queue.
	Workers *river.Workers
	// PeriodicJobs are duties one replica does at a time: River's elected
	// leader inserts them on their schedule, and any replica works them.
	PeriodicJobs []*river.PeriodicJob
	// MaxWorkers is how many jobs run at once. Default 100: a call's job
	// mostly waits for remote APIs (each integration's requests are bounded
	// by its MaxConcurrentRequest), so many run at once on little CPU.
	MaxWorkers int
	// PollInterval is how often new jobs are looked for. Default 100ms on
	// PostgreSQL, where it is only a fallback of the notifications of
	// inserted jobs, and 20ms on SQLite, which has none (see PollOnly):
	// jobs stored in a transaction (a group of call events) wait for the
	// next look.
	PollInterval time.Duration
	// PollOnly makes the queue find new jobs by polling alone, without
	// PostgreSQL's notifications of inserted jobs. Default false; always
	// true on SQLite, where River stands in for notifications with a
	// table that every insert writes and a notifier polls: one process
	// gains nothing from it, and dropping it gave 2–11% more calls a
	// second (callbench, four interleaved pairs).
	PollOnly bool
	// RetryPolicy decides when a failed job runs again. Default Backoff's
	// defaults: doubling waits with jitter, at most 8 s for the first ten
	// minutes of a job.
	RetryPolicy river.ClientRetryPolicy
	// GiveUpAfter is how long a job that keeps failing is retried before
	// it ends failed for good (workers check it; a failed job can still be
	// retried by hand). Default 24 hours.
	GiveUpAfter time.Duration
	// JobTimeout bounds one attempt of a job. Default 2 minutes. A job
	// whose worker died is worked again after twice this (on PostgreSQL,
	// by the elected leader); on SQLite, at the next start.
	JobTimeout time.Duration
	// Logger receives River's logs. Default: discard.
	Logger *slog.Logger

	duties *dutyStop // set by AddDuty: its duties end as the queue stops
}

// Defaults of QueueConfig.
const (
	DefaultMaxWorkers        = 100
	DefaultQueuePollInterval = 100 * time.Millisecond
	// DefaultSQLitePollInterval is PollInterval's default on SQLite: a
	// look is one cached statement, 50 a second cost next to nothing.
	DefaultSQLitePollInterval = 20 * time.Millisecond
	DefaultJobTimeout         = 2 * time.Minute
	DefaultGiveUpAfter        = 24 * time.Hour
)

// WithDefaults fills in the zero fields.
func (c QueueConfig) WithDefaults() QueueConfig {
	configcheck.Default(&c.MaxWorkers, DefaultMaxWorkers)
	configcheck.Default(&c.JobTimeout, DefaultJobTimeout)
	configcheck.Default(&c.GiveUpAfter, DefaultGiveUpAfter)
	if c.RetryPolicy == nil {
		c.RetryPolicy = Backoff{}.WithDefaults()
	}
	return c
}

// Validate names the first field that cannot work, with the fix.
func (c QueueConfig) Validate() error {
	if err := configcheck.NotNegative("queue",
		configcheck.Duration{Name: "PollInterval", Value: c.PollInterval, Default: DefaultQueuePollInterval},
		configcheck.Duration{Name: "JobTimeout", Value: c.JobTimeout, Default: DefaultJobTimeout},
		configcheck.Duration{Name: "GiveUpAfter", Value: c.GiveUpAfter, Default: DefaultGiveUpAfter},
	); err != nil {
		return err
	}
	if err := configcheck.CountNotNegative("queue", "MaxWorkers", c.MaxWorkers, DefaultMaxWorkers); err != nil {
		return err
	}
	if b, ok := c.RetryPolicy.(Backoff); ok {
		return b.Validate()
	}
	return nil
}

type riverQueue[TTx any] struct {
	client *river.Client[TTx]
	db     *sql.DB // the same database, for counting
	begin  func(ctx context.Context) (openTx[TTx], error)
	duties *dutyStop // AddDuty's: ended as the queue stops
}

// OpenQueue migrates River's tables and returns the queue over the store's
// database.
func OpenQueue(ctx context.Context, st Store, cfg QueueConfig) (Queue, error) {
	s, ok := st.(*sqlStore)
	if !ok {
		return nil, errors.New("OpenQueue needs a store opened by OpenSQLite or OpenPostgres")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultQueuePollInterval
		if s.pool == nil {
			cfg.PollInterval = DefaultSQLitePollInterval
		}
	}
	if s.pool != nil {
		return newRiverQueue(ctx, riverpgxv5.New(s.pool), beginPgx(s), s.db, cfg)
	}
	cfg.PollOnly = true // see PollOnly
	q, err := newRiverQueue(ctx, riversqlite.New(s.db), beginSQL(s), s.db, cfg)
	if err != nil {
		return nil, err
	}
	// The embedded database has one process: a job still marked running
	// when it starts was cut off by a crash. Make it available now rather
	// than after River's stuck-job rescue, which would wait minutes.
	if _, err := s.db.ExecContext(ctx, "UPDATE river_job SET state = 'available', scheduled_at = CURRENT_TIMESTAMP WHERE state = 'running'"); err != nil {
		return nil, fmt.Errorf("requeueing jobs cut off by a crash: %w", err)
	}
	return q, nil
}

func newRiverQueue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], begin func(context.Context) (openTx[TTx], error), db *sql.DB, cfg QueueConfig) (Queue, error) {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: discardIfNil(cfg.Logger)})
	if err != nil {
		return nil, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("migrating the job queue: %w", err)
	}
	rc := &river.Config{
		Logger:            discardIfNil(cfg.Logger),
		FetchPollInterval: cfg.PollInterval,
		// River fetches at most once per cooldown, at most MaxWorkers jobs
		// each time: its default 100ms capped a queue at 10 fetches, a few
		// hundred jobs a second.
		FetchCooldown:        min(cfg.PollInterval, 5*time.Millisecond),
		RetryPolicy:          cfg.RetryPolicy,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: 2 * cfg.JobTimeout,
		PollOnly:             cfg.PollOnly,
	}
	if cfg.Workers != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
		rc.Workers = cfg.Workers
		rc.PeriodicJobs = cfg.PeriodicJobs
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, err
	}
	return &riverQueue[TTx]{client: client, db: db, begin: begin, duties: cfg.duties}, nil
}

func discardIfNil(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func (q *riverQueue[TTx]) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, bool, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return 0, false, err
	}
	return res.Job.ID, res.UniqueSkippedAsDuplicate, nil
}

func (q *riverQueue[TTx]) Retry(ctx context.Context, id int64) error {
	_, err := q.client.JobRetry(ctx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

func (q *riverQueue[TTx]) Job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	j, err := q.client.JobGet(ctx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	return j, err
}

// Waiting reads River's table directly: River's API lists jobs but does
// not count them. River's index on (state, queue, …) makes it cheap.
func (q *riverQueue[TTx]) Waiting(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable')").Scan(&n)
	return n, err
}

func (q *riverQueue[TTx]) Start(ctx context.Context) error {
	q.duties.started()
	return q.client.Start(ctx)
}

func (q *riverQueue[TTx]) Stop(ctx context.Context) error {
	q.duties.stopping()
	return q.client.Stop(ctx)
}

func (q *riverQueue[TTx]) StopAndCancel(ctx context.Context) error {
	q.duties.stopping()
	return q.client.StopAndCancel(ctx)
}
