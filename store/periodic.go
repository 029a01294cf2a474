package store

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// PeriodicDuty is a duty one replica does at a time, every interval: River's
// elected leader inserts the job when it starts and then on the schedule,
// and any replica works it. A duty still waiting or running is not inserted
// again, so a slow one does not pile up; one that fails is not retried (the
// next round does it again).
func PeriodicDuty(args river.JobArgs, every time.Duration) *river.PeriodicJob {
	opts := &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, opts },
		&river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true})
}
