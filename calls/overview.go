package calls

import (
	"context"

	"github.com/switchboard/switchboard/store"
)

// Activity is what the calls side did in a period, and what waits now.
type Activity struct {
	Period store.Hours
	// Total counts the calls first seen in the period; ByHour, in each
	// of its hours.
	Total  int
	ByHour []int
	// FailedRuns counts the steps that failed in the period and were not
	// retried since; PendingRuns the steps waiting or running now.
	FailedRuns, PendingRuns int
	// JobsWaiting counts the jobs of the queue waiting to be worked now:
	// call events and their work, and the other jobs sharing the queue.
	JobsWaiting int
}

// Activity counts the period's calls and failed steps, and the steps and
// jobs waiting now, for an overview.
func (s *Service) Activity(ctx context.Context, p store.Hours) (Activity, error) {
	c, err := s.store.CallCounts(ctx, p)
	if err != nil {
		return Activity{}, err
	}
	jobs, err := s.queue.Waiting(ctx)
	if err != nil {
		return Activity{}, err
	}
	a := Activity{Period: p, ByHour: c.ByHour, FailedRuns: c.FailedRuns, PendingRuns: c.PendingRuns, JobsWaiting: jobs}
	for _, n := range c.ByHour {
		a.Total += n
	}
	return a, nil
}
