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
	stopping := w.stop.signal()
	go func() {
		select {
		case <-stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	w.do(ctx)
	return nil
}

// dutyStop tells running duties that their queue is stopping.
type dutyStop struct {
	mu sync.Mutex
	ch chan struct{} // closed when the queue stops; replaced when it starts again
}

func newDutyStop() *dutyStop { return &dutyStop{ch: make(chan struct{})} }

func (d *dutyStop) signal() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

// stopping ends the running duties; started makes a fresh signal for the
// next run. Both are no-ops on a nil dutyStop (a queue without duties).
func (d *dutyStop) stopping() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.ch:
	default:
		close(d.ch)
	}
}

func (d *dutyStop) started() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.ch:
		d.ch = make(chan struct{})
	default:
	}
}
