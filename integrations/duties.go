package integrations

import (
	"context"
	"log/slog"

	"github.com/switchboard/switchboard/store"
)

// The runtime's singleton duties are River periodic jobs (store.AddDuty):
// River's elected leader inserts them on their schedule (and when it
// starts), and any replica works them, so one replica does each at a time
// without a lease of its own.

// globalInfoArgs is the GetGlobalInfo refresh of every connected
// integration.
type globalInfoArgs struct{}

func (globalInfoArgs) Kind() string { return "integrations_global_info" }

// tokensArgs asks every connected integration for its credentials, which
// renews the tokens that are due by age or expiry: a token an idle
// integration does not use is still renewed, so a provider that lets
// unused refresh tokens lapse does not disconnect it.
type tokensArgs struct{}

func (tokensArgs) Kind() string { return "integrations_tokens" }

// AddJobs returns the queue config with the runtime's periodic duties
// added; a negative interval leaves its duty unscheduled.
func (rt *Runtime) AddJobs(qc store.QueueConfig) store.QueueConfig {
	qc = store.AddDuty(qc, globalInfoArgs{}, rt.cfg.GlobalInfoInterval, rt.RefreshGlobalInfo)
	return store.AddDuty(qc, tokensArgs{}, rt.cfg.TokenRenewalInterval, rt.RenewTokens)
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
