package server

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// channelRuntime resolves channels for the messaging service: the engine
// client of the channel's integration (the runtime's cache, limits and
// metrics, as for helpdesks) and its template's definition, made once per
// compiled template.
type channelRuntime struct {
	s    *Server
	defs sync.Map // template Key → definedEntry; one per template, replaced with it
}

type definedEntry struct {
	t *engine.Template
	d *messaging.Definition
}

func (cr *channelRuntime) Resolve(ctx context.Context, ch *store.Channel) (*messaging.Resolved, error) {
	in, err := cr.s.store.GetIntegration(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	client, err := cr.s.integ.Client(ctx, in)
	if err != nil {
		return nil, err
	}
	d, err := cr.definition(client.Template())
	if err != nil {
		return nil, err
	}
	vars := engine.Vars{}
	for k, v := range client.Vars() {
		vars[k] = v
	}
	vars["VerifyToken"] = ch.VerifyToken
	vars["WebhookUrl"] = cr.s.msg.WebhookURL(ch)
	return &messaging.Resolved{Def: d, Client: client, Vars: vars}, nil
}

func (cr *channelRuntime) definition(t *engine.Template) (*messaging.Definition, error) {
	key := t.Source.Key
	if e, ok := cr.defs.Load(key); ok && e.(definedEntry).t == t {
		return e.(definedEntry).d, nil
	}
	d, err := messaging.Define(t)
	if err != nil {
		return nil, err
	}
	cr.defs.Store(key, definedEntry{t, d})
	return d, nil
}
