package messaging

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
)

// resolved is what working with a channel needs: its template's
// definition, the engine client of its integration, and the variables its
// webhook declarations render with (fields, VerifyToken, WebhookUrl).
type resolved struct {
	def    *Definition
	client *engine.Client
	vars   engine.Vars
}

// resolve gets a channel's client from the integrations runtime (its
// cache, limit and metrics, as for helpdesks) and its template's
// definition.
func (s *Service) resolve(ctx context.Context, ch *store.Channel) (*resolved, error) {
	in, err := s.store.GetIntegration(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	client, err := s.integ.Client(ctx, in)
	if err != nil {
		return nil, err
	}
	d, err := s.definition(client.Template())
	if err != nil {
		return nil, err
	}
	vars := engine.Vars{}
	for k, v := range client.Vars() {
		vars[k] = v
	}
	vars["VerifyToken"] = ch.VerifyToken
	vars["WebhookUrl"] = s.channelWebhookURL(ch, d, in)
	return &resolved{def: d, client: client, vars: vars}, nil
}

// definedEntry is a template's definition with the compiled template it
// was made from: a replaced template (another compiled one under the same
// Key) is defined again.
type definedEntry struct {
	t *engine.Template
	d *Definition
}

// definition returns the definition of a compiled channel template, made
// once per compiled template.
func (s *Service) definition(t *engine.Template) (*Definition, error) {
	key := t.Source.Key
	if e, ok := s.defs.Load(key); ok && e.(definedEntry).t == t {
		return e.(definedEntry).d, nil
	}
	d, err := Define(t)
	if err != nil {
		return nil, err
	}
	s.defs.Store(key, definedEntry{t, d})
	return d, nil
}

// definitionOf is the definition of an integration's template, for views.
func (s *Service) definitionOf(ctx context.Context, in *store.Integration) (*Definition, error) {
	c, err := s.templateOf(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.definition(c)
}

// templateOf is a channel's template, compiled.
func (s *Service) templateOf(ctx context.Context, in *store.Integration) (*engine.Template, error) {
	t, err := s.store.GetTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, fmt.Errorf("the channel's template: %w", err)
	}
	return s.integ.Compile(t)
}
