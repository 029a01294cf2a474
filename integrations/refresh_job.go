package integrations

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/store"
)

// refreshArgs is the periodic GetGlobalInfo refresh of every connected
// integration: one replica does it (River's elected leader inserts the
// job), when the leader starts and every Config.GlobalInfoInterval.
type refreshArgs struct{}

func (refreshArgs) Kind() string { return "integrations_global_info" }

type refreshWorker struct {
	river.WorkerDefaults[refreshArgs]
	rt *Runtime
}

// Work refreshes; what fails is the integration's status, not the job's.
func (w *refreshWorker) Work(ctx context.Context, _ *river.Job[refreshArgs]) error {
	w.rt.RefreshGlobalInfo(ctx)
	return nil
}

// AddJobs returns the queue config with the runtime's periodic duties
// added: its worker, and its schedule unless GlobalInfoInterval is
// negative.
func (rt *Runtime) AddJobs(qc store.QueueConfig) store.QueueConfig {
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	river.AddWorker(qc.Workers, &refreshWorker{rt: rt})
	if rt.cfg.GlobalInfoInterval > 0 {
		qc.PeriodicJobs = append(qc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(rt.cfg.GlobalInfoInterval),
			func() (river.JobArgs, *river.InsertOpts) { return refreshArgs{}, &river.InsertOpts{MaxAttempts: 1} },
			&river.PeriodicJobOpts{ID: refreshArgs{}.Kind(), RunOnStart: true}))
	}
	return qc
}
