package integrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/store"
)

// Create connects a template as a new helpdesk or CRM integration with the
// field values given (a *FieldsError with every problem when they do not
// fit), then brings it to its status (Connect).
func (rt *Runtime) Create(ctx context.Context, templateID string, values map[string]string) (Connection, error) {
	t, err := rt.store.GetTemplate(ctx, templateID)
	if errors.Is(err, store.ErrNotFound) {
		return Connection{}, &InvalidError{fmt.Sprintf("templateId %q: no such template", templateID)}
	}
	if err != nil {
		return Connection{}, err
	}
	c, err := rt.Compile(t)
	if err != nil {
		return Connection{}, err
	}
	if c.Source.IsChannel() {
		return Connection{}, &InvalidError{fmt.Sprintf("template %s describes a messaging channel; connect it with POST /api/v1/channels", t.Key)}
	}
	fields, secrets, err := SplitFields(c, values, nil)
	if err != nil {
		return Connection{}, err
	}
	now := rt.cfg.Now()
	in := &store.Integration{ID: store.NewID("int"), TemplateID: t.ID, Status: store.StatusAuthorizing, Fields: fields, Secrets: secrets,
		Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	if err := rt.store.CreateIntegration(ctx, in); err != nil {
		return Connection{}, err
	}
	return rt.Connect(ctx, in)
}

// UpdateFields replaces an integration's field values (secret ones left
// out keep theirs) and connects again with them.
func (rt *Runtime) UpdateFields(ctx context.Context, in *store.Integration, values map[string]string) (Connection, error) {
	c, err := rt.TemplateOf(ctx, in)
	if err != nil {
		return Connection{}, err
	}
	fields, secrets, err := SplitFields(c, values, in.Secrets)
	if err != nil {
		return Connection{}, err
	}
	in.Fields, in.Secrets, in.UpdatedAt = fields, secrets, rt.cfg.Now()
	if err := rt.store.UpdateIntegration(ctx, in); err != nil {
		return Connection{}, err
	}
	return rt.Connect(ctx, in)
}

// Delete deletes an integration with everything kept for it, and drops
// its connection.
func (rt *Runtime) Delete(ctx context.Context, id string) error {
	if err := rt.store.DeleteIntegration(ctx, id); err != nil {
		return err
	}
	rt.Forget(id)
	return nil
}
