package messaging

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/store"
)

// The service's singleton duties — closing idle sessions and checking
// channels' connections — are River periodic jobs (store.PeriodicDuty):
// River's elected leader inserts them, any replica works them, and no
// lease of the service's own is needed.

// sweepArgs closes the sessions idle for longer than their channel allows.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "messaging_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	w.s.CloseIdle(ctx)
	return nil
}

// verifyArgs checks the connection of every channel.
type verifyArgs struct{}

func (verifyArgs) Kind() string { return "messaging_verify" }

type verifyWorker struct {
	river.WorkerDefaults[verifyArgs]
	s *Service
}

func (w *verifyWorker) Work(ctx context.Context, _ *river.Job[verifyArgs]) error {
	w.s.VerifyAll(ctx)
	return nil
}

// VerifyAll checks every channel's connection and records its status.
func (s *Service) VerifyAll(ctx context.Context) {
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		s.log.Warn("listing channels to check", slog.Any("err", err))
		return
	}
	for _, ch := range chs {
		if _, _, err := s.Verify(ctx, ch); err != nil && ctx.Err() == nil {
			s.log.Warn("checking a channel", slog.String("channel", ch.ID), slog.Any("err", err))
		}
	}
}

// AddJobs returns the queue config with the service's periodic duties
// added: their workers, and their schedules (the channel check's unless
// VerifyInterval is negative).
func (s *Service) AddJobs(qc store.QueueConfig) store.QueueConfig {
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	river.AddWorker(qc.Workers, &sweepWorker{s: s})
	river.AddWorker(qc.Workers, &verifyWorker{s: s})
	qc.PeriodicJobs = append(qc.PeriodicJobs, store.PeriodicDuty(sweepArgs{}, s.cfg.SweepInterval))
	if s.cfg.VerifyInterval > 0 {
		qc.PeriodicJobs = append(qc.PeriodicJobs, store.PeriodicDuty(verifyArgs{}, s.cfg.VerifyInterval))
	}
	return qc
}
