package messaging

import (
	"context"
	"log/slog"

	"github.com/switchboard/switchboard/store"
)

// The service's singleton duties — closing idle sessions and checking
// channels' connections — are River periodic jobs (store.AddDuty): River's
// elected leader inserts them, any replica works them, and no lease of the
// service's own is needed.

// sweepArgs closes the sessions idle for longer than their channel allows.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "messaging_sweep" }

// verifyArgs checks the connection of every channel.
type verifyArgs struct{}

func (verifyArgs) Kind() string { return "messaging_verify" }

// AddJobs returns the queue config with the service's periodic duties
// added (the channel check unscheduled when VerifyInterval is negative).
func (s *Service) AddJobs(qc store.QueueConfig) store.QueueConfig {
	qc = store.AddDuty(qc, sweepArgs{}, s.cfg.SweepInterval, s.CloseIdle)
	return store.AddDuty(qc, verifyArgs{}, s.cfg.VerifyInterval, s.VerifyAll)
}

// VerifyAll checks every channel's connection and records its status.
func (s *Service) VerifyAll(ctx context.Context) {
	chs, err := s.store.ListChannels(ctx)
	if err != nil {
		s.log.Warn("listing channels to check", slog.Any("err", err))
		return
	}
	for _, ch := range chs {
		if _, _, err := s.verify(ctx, ch, false); err != nil && ctx.Err() == nil {
			s.log.Warn("checking a channel", slog.String("channel", ch.ID), slog.Any("err", err))
		}
	}
}
