package integrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// The connect state machine of a helpdesk or CRM integration:
//
//	(created, fields changed) ── Connect ──┬─ oauth2, no token ─→ authorizing ── Authorize ──┐
//	                                       └─ token fetched / none needed ──────────────────┤
//	                                                                                          ▼
//	                                         failed ←─ check fails ── connection check ── connected
//
// A failure is a status with its reason, never an error of the caller's
// request: the admin sees what the remote said. Calls failing on
// authentication move connected → failed, and a call that gets through
// moves it back (Observe).

// ErrUnknownState is an authorization answer whose state this service did
// not issue for the integration, or issued and saw used or expired.
var ErrUnknownState = errors.New("the state is unknown, used, expired or not for this integration; start the authorization again")

// TakeState spends the state an authorization answer carries: it must be
// one this service issued for this integration, unused and unexpired.
func (rt *Runtime) TakeState(ctx context.Context, integrationID, state string) error {
	owner, err := rt.store.TakeOAuthState(ctx, state, rt.cfg.Now())
	if errors.Is(err, store.ErrNotFound) || (err == nil && owner != integrationID) {
		return ErrUnknownState
	}
	return err
}

// ErrNotOAuth2 is returned when an authorization completes for an
// integration that does not use OAuth2.
var ErrNotOAuth2 = errors.New("this integration does not use OAuth2")

// Connection is an integration after a connect: its status saved, and the
// address the admin authorizes at when it waits for that.
type Connection struct {
	Integration  *store.Integration
	AuthorizeURL string
}

// Connect brings an integration to its status: an oauth2 one without a
// token waits for the admin's authorization (AuthorizeURL); the others get
// their credentials now — a bearer token is fetched — and pass the
// connection check.
func (rt *Runtime) Connect(ctx context.Context, in *store.Integration) (Connection, error) {
	conn, err := rt.Conn(ctx, in)
	if err != nil {
		return rt.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
	}
	if o, ok := conn.Auth.(*auth.OAuth2); ok {
		if tok, err := rt.tokens.Load(ctx, in.ID); err == nil && tok != nil {
			return rt.check(ctx, in, conn.Client)
		}
		state := auth.NewState()
		if err := rt.store.SaveOAuthState(ctx, state, in.ID, rt.cfg.Now().Add(rt.cfg.OAuthStateTTL)); err != nil {
			return Connection{}, err
		}
		u, err := o.AuthorizeURL(rt.RedirectURI(conn.Client.Template(), in.ID), state)
		if err != nil {
			return rt.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
		}
		return rt.setStatus(ctx, in, store.StatusAuthorizing, "waiting for the administrator to authorize at the provider", u)
	}
	if conn.Auth != nil {
		if _, err := conn.Auth.Credentials(ctx); err != nil {
			return rt.setStatus(ctx, in, store.StatusFailed, err.Error(), "")
		}
	}
	return rt.check(ctx, in, conn.Client)
}

// ExchangeError is an authorization code the provider would not exchange
// for a token; the integration is marked failed with it.
type ExchangeError struct{ Err error }

func (e *ExchangeError) Error() string { return e.Err.Error() }
func (e *ExchangeError) Unwrap() error { return e.Err }

// Authorize completes an OAuth2 authorization with the code the provider
// gave (the caller has checked the state): the token is fetched and the
// connection checked. A code the provider will not exchange marks the
// integration failed and is an *ExchangeError.
func (rt *Runtime) Authorize(ctx context.Context, in *store.Integration, code string) (Connection, error) {
	conn, err := rt.Conn(ctx, in)
	if err != nil {
		return Connection{}, err
	}
	o, ok := conn.Auth.(*auth.OAuth2)
	if !ok {
		return Connection{}, ErrNotOAuth2
	}
	if err := o.Exchange(ctx, code, rt.RedirectURI(conn.Client.Template(), in.ID)); err != nil {
		if _, serr := rt.setStatus(ctx, in, store.StatusFailed, err.Error(), ""); serr != nil {
			return Connection{}, serr
		}
		return Connection{}, &ExchangeError{err}
	}
	return rt.check(ctx, in, conn.Client)
}

// Fail marks an integration failed with the reason (the provider refused
// the authorization, say).
func (rt *Runtime) Fail(ctx context.Context, in *store.Integration, reason string) (Connection, error) {
	return rt.setStatus(ctx, in, store.StatusFailed, reason, "")
}

// check runs the connection check — GetGlobalInfo, whose outputs it keeps,
// or else a first page of users or one contact lookup — and marks the
// integration connected, or failed with the remote's answer.
func (rt *Runtime) check(ctx context.Context, in *store.Integration, client *engine.Client) (Connection, error) {
	check, res := scenarios.ConnectionCheck(ctx, client)
	if res != nil && res.Err != nil {
		return rt.setStatus(ctx, in, store.StatusFailed, "the connection check ("+check+") failed: "+res.Error, "")
	}
	if check == templates.ScenarioGlobalInfo {
		in.GlobalVars = res.Vars
	}
	in.ConnectedAt = rt.cfg.Now()
	return rt.setStatus(ctx, in, store.StatusConnected, "", "")
}

// setStatus records the status of a connect or a check, and only what a
// check owns (SetConnectionState): in may be a copy read before a remote
// call, older than what an administrator saved since.
func (rt *Runtime) setStatus(ctx context.Context, in *store.Integration, status, reason, authorizeURL string) (Connection, error) {
	in.Status, in.StatusReason, in.UpdatedAt = status, reason, rt.cfg.Now()
	if err := rt.store.SetConnectionState(ctx, in.ID, in.ConnectionState()); err != nil {
		return Connection{}, err
	}
	if status == store.StatusFailed {
		rt.log.Warn("integration failed", slog.String("integration", in.ID), slog.String("reason", reason))
	}
	return Connection{Integration: in, AuthorizeURL: authorizeURL}, nil
}

// RedirectURI is the OAuth callback of an integration:
// {public}/integration/callback/api/{crm|helpdesk}/{id}/.
func (rt *Runtime) RedirectURI(c *engine.Template, id string) string {
	kind := c.Source.Provider
	if kind != "crm" {
		kind = "helpdesk"
	}
	return fmt.Sprintf("%s/integration/callback/api/%s/%s/", rt.cfg.PublicURL, kind, id)
}

// RefreshGlobalInfo runs the connection check of every connected
// integration again, as at start-up, keeping GetGlobalInfo's outputs.
func (rt *Runtime) RefreshGlobalInfo(ctx context.Context) {
	list, err := rt.store.ListIntegrations(ctx)
	if err != nil {
		rt.log.Error("listing integrations for global info", slog.Any("err", err))
		return
	}
	for _, in := range list {
		if in.Status != store.StatusConnected {
			continue
		}
		client, err := rt.Client(ctx, in)
		if err != nil {
			rt.log.Warn("global info", slog.String("integration", in.ID), slog.Any("err", err))
			continue
		}
		if _, err := rt.check(ctx, in, client); err != nil {
			rt.log.Warn("global info", slog.String("integration", in.ID), slog.Any("err", err))
		}
	}
}
