package store

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// AddDuty adds to the queue config a duty one replica does at a time: do
// runs as the worker of args' kind, and, when every is positive, River's
// elected leader inserts the job when it starts and then every interval,
// for any replica to work. A duty still waiting or running is not inserted
// again, so a slow one does not pile up; one that fails is not retried
// (the next round does it again). What a duty fails at is its own to log:
// the job always succeeds.
//
// A duty's context ends as soon as the queue starts stopping: a duty is
// background work that runs again on schedule, and must not hold a
// stopping service for its grace period (a check waiting for an
// integration's request slot did, for 30 s).
func AddDuty[T river.JobArgs](qc QueueConfig, args T, every time.Duration, do func(context.Context)) QueueConfig {
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	if qc.duties == nil {
		qc.duties = newDutyStop()
	}
	river.AddWorker(qc.Workers, &dutyWorker[T]{do: do, stop: qc.duties})
	if every <= 0 {
		return qc
	}
	opts := &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
	qc.PeriodicJobs = append(qc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, opts },
		&river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true}))
	return qc
}

type dutyWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	do   func(context.Context)
	stop *dutyStop
}

func (w *dutyWorker[T]) Work(ctx context.Context, _ *river.Job[T]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(w.stop.context(), cancel)()
	w.do(ctx)
	return nil
}

// dutyStop tells running duties that their queue is stopping: its context
// ends when the queue stops, and a fresh one begins when it starts again.
type dutyStop struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

func newDutyStop() *dutyStop {
	ctx, cancel := context.WithCancel(context.Background())
	return &dutyStop{ctx: ctx, cancel: cancel}
}

func (d *dutyStop) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ctx
}

// stopping ends the running duties; started begins a fresh context for the
// next run. Both are no-ops on a nil dutyStop (a queue without duties).
func (d *dutyStop) stopping() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancel()
}

func (d *dutyStop) started() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx.Err() != nil {
		d.ctx, d.cancel = context.WithCancel(context.Background())
	}
}
