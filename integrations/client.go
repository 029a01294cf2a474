package integrations

import (
	"net/http"
	"time"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
)

// slotLease is how much longer a shared request slot lasts than one
// attempt may: a slot a dead replica did not give back lapses then.
const slotLease = 30 * time.Second

// newClient builds the engine client of one integration: every request a
// template sends, for calls and for messaging alike, goes through these
// layers, outermost first:
//
//  1. trace: the engine records each exchange, masked (engine.Client.Run).
//  2. auth: the authorizer's headers, set between the template-wide and
//     the request's own headers; one token refresh on TokenInvalid
//     (auth.New; engine.Authorizer, engine.Refresher).
//  3. retry: retryablehttp with the configured policy (Config.Retry).
//  4. metrics: each attempt observed, and the requests waiting for a slot
//     counted (Config.Observe).
//  5. per-integration limit: at most the template's MaxConcurrentRequest
//     in flight from this process, one semaphore per integration that
//     outlives the integration's clients (limiter). Calls take a slot per
//     attempt; a channel's sender reserves one for a whole send
//     (engine.Client.Reserve), from the same semaphore.
//  6. shared slots: on a database replicas share, the same limit across
//     all of them (slotLeaser: the store's request slots, leased a second
//     at a time).
//  7. per-attempt timeout (Config.RequestTimeout).
//  8. base transport: pooled connections, no proxy from the environment,
//     and no link-local or cloud metadata addresses (outboundTransport).
//
// Layers 3–7 are assembled by the engine from the ClientConfig below
// (engine/transport.go); this is the one place that decides them.
func (rt *Runtime) newClient(c *engine.Template, in *store.Integration) (*engine.Client, engine.Authorizer, error) {
	fields := FieldVars(in)
	// The tokens are shared by the replicas on one database, which take
	// turns renewing them, so a rotated refresh token is spent once.
	authz, err := auth.New(c, fields, auth.Options{Store: rt.tokens, Key: in.ID, HTTPClient: rt.tokenHTTP, Now: rt.cfg.Now})
	if err != nil {
		return nil, nil, err
	}
	vars := engine.Vars{}
	for k, x := range in.GlobalVars {
		vars[k] = x
	}
	for k, x := range fields {
		vars[k] = x
	}
	limit := c.Source.MaxConcurrentRequest()
	cfg := engine.ClientConfig{Auth: authz, Vars: vars, Transport: rt.transport, Limiter: rt.limiter(in.ID, limit),
		Timeout: rt.cfg.RequestTimeout, Retry: rt.cfg.Retry}
	if rt.cfg.Observe != nil {
		cfg.Observe, cfg.Waiting = rt.cfg.Observe(in.ID)
	}
	if rt.store.Shared() {
		cfg.Shared = rt.sharedSlots(in.ID, limit)
	}
	return engine.NewClient(c, cfg), authz, nil
}

// Outbound is how a run of a template that belongs to no integration (the
// console's template workbench) reaches the remote API: the same base
// transport as every integration (no link-local or cloud metadata
// addresses, the configured proxy), per-attempt timeout and retries, and
// the HTTP client for token requests. It has no concurrency limit of its
// own: such a run is one person's test.
func (rt *Runtime) Outbound() (engine.ClientConfig, *http.Client) {
	return engine.ClientConfig{Transport: rt.transport, Timeout: rt.cfg.RequestTimeout, Retry: rt.cfg.Retry}, rt.tokenHTTP
}
