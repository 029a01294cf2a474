package calls

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/store"
)

// ConflictError is a retry refused for the state the run or its job is in.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return e.Reason }

// JobState is the state of the job that last worked a run (running,
// retryable, cancelled, completed …); "" when it is not known.
func (s *Service) JobState(ctx context.Context, run *store.Run) string {
	if run.JobID == 0 {
		return ""
	}
	job, err := s.queue.Job(ctx, run.JobID)
	if err != nil {
		return ""
	}
	return string(job.State)
}

// RetryRun runs a failed step's job again; the steps of that job that
// succeeded are not repeated. An unknown run is store.ErrNotFound; one
// not failed, or being worked right now, a *ConflictError.
func (s *Service) RetryRun(ctx context.Context, id string) (*store.Run, error) {
	run, err := s.store.GetRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.Status != store.RunFailed {
		return nil, &ConflictError{fmt.Sprintf("run %s is %s; only failed runs are retried", run.ID, run.Status)}
	}
	job, err := s.queue.Job(ctx, run.JobID)
	if err != nil {
		return nil, err
	}
	if job.State == "running" {
		return nil, &ConflictError{fmt.Sprintf("run %s is being worked right now; retry it when that attempt has ended", run.ID)}
	}
	return run, s.queue.Retry(ctx, run.JobID)
}
