package store

import (
	"context"
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
func AddDuty[T river.JobArgs](qc QueueConfig, args T, every time.Duration, do func(context.Context)) QueueConfig {
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	river.AddWorker(qc.Workers, &dutyWorker[T]{do: do})
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
	do func(context.Context)
}

func (w *dutyWorker[T]) Work(ctx context.Context, _ *river.Job[T]) error {
	w.do(ctx)
	return nil
}
