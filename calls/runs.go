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

// Runs lists the runs a filter finds.
func (s *Service) Runs(ctx context.Context, f store.RunFilter) ([]*store.Run, error) {
	return s.store.ListRuns(ctx, f)
}

// Details is what happened with a call: its runs, and what each
// integration learned (contact, ticket, screen-pop URL).
type Details struct {
	Runs  []*store.Run
	Links map[string]map[string]string // by integration
}

// Details reads a call's runs, then its links: a step writes what it
// learned into the link before it marks its run succeeded, so a run read
// as succeeded has its outputs in the links read after it.
func (s *Service) Details(ctx context.Context, callID string) (Details, error) {
	runs, err := s.store.ListRuns(ctx, store.RunFilter{CallID: callID, Limit: 1000})
	if err != nil {
		return Details{}, err
	}
	links, err := s.store.CallLinks(ctx, callID)
	return Details{Runs: runs, Links: links}, err
}

// Links returns what each integration learned about a call.
func (s *Service) Links(ctx context.Context, callID string) (map[string]map[string]string, error) {
	return s.store.CallLinks(ctx, callID)
}
