package integrations

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/switchboard/switchboard/store"
)

// The runtime's singleton duties are River periodic jobs: River's elected
// leader inserts them on their schedule (and when it starts), and any
// replica works them, so one replica does each at a time without a lease
// of its own.

// globalInfoArgs is the GetGlobalInfo refresh of every connected
// integration.
type globalInfoArgs struct{}

func (globalInfoArgs) Kind() string { return "integrations_global_info" }

type globalInfoWorker struct {
	river.WorkerDefaults[globalInfoArgs]
	rt *Runtime
}

// Work refreshes; what fails is the integration's status, not the job's.
func (w *globalInfoWorker) Work(ctx context.Context, _ *river.Job[globalInfoArgs]) error {
	w.rt.RefreshGlobalInfo(ctx)
	return nil
}

// tokensArgs asks every connected integration for its credentials, which
// renews the tokens that are due by age or expiry: a token an idle
// integration does not use is still renewed, so a provider that lets
// unused refresh tokens lapse does not disconnect it.
type tokensArgs struct{}

func (tokensArgs) Kind() string { return "integrations_tokens" }

type tokensWorker struct {
	river.WorkerDefaults[tokensArgs]
	rt *Runtime
}

func (w *tokensWorker) Work(ctx context.Context, _ *river.Job[tokensArgs]) error {
	w.rt.RenewTokens(ctx)
	return nil
}

// RenewTokens renews the tokens of connected integrations that are due. A
// renewal that fails is logged; the integration's next call fails on it
// and marks it failed as calls do.
func (rt *Runtime) RenewTokens(ctx context.Context) {
	list, err := rt.store.ListIntegrations(ctx)
	if err != nil {
		rt.log.Error("listing integrations for their tokens", slog.Any("err", err))
		return
	}
	for _, in := range list {
		if in.Status != store.StatusConnected {
			continue
		}
		conn, err := rt.Conn(ctx, in)
		if err != nil || conn.Auth == nil {
			continue
		}
		if _, err := conn.Auth.Credentials(ctx); err != nil && ctx.Err() == nil {
			rt.log.Warn("renewing an integration's token", slog.String("integration", in.ID), slog.Any("err", err))
		}
	}
}

// AddJobs returns the queue config with the runtime's periodic duties
// added: their workers, and their schedules unless their interval is
// negative.
func (rt *Runtime) AddJobs(qc store.QueueConfig) store.QueueConfig {
	if qc.Workers == nil {
		qc.Workers = river.NewWorkers()
	}
	river.AddWorker(qc.Workers, &globalInfoWorker{rt: rt})
	river.AddWorker(qc.Workers, &tokensWorker{rt: rt})
	if every := rt.cfg.GlobalInfoInterval; every > 0 {
		qc.PeriodicJobs = append(qc.PeriodicJobs, store.PeriodicDuty(globalInfoArgs{}, every))
	}
	if every := rt.cfg.TokenRenewalInterval; every > 0 {
		qc.PeriodicJobs = append(qc.PeriodicJobs, store.PeriodicDuty(tokensArgs{}, every))
	}
	return qc
}
