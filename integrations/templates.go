package integrations

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// The template catalog: the templates an admin uploads, and those shipped
// with Switchboard. Each change evicts the compiled form here; other
// replicas see the changed XML and compile it again.

// TemplateError is a template that does not load, with every problem.
type TemplateError struct{ Problems templates.Problems }

func (e *TemplateError) Error() string {
	return fmt.Sprintf("the template has %d error(s)", len(e.Problems.Errors()))
}

// ErrBuiltIn refuses to change or delete a template shipped with
// Switchboard.
var ErrBuiltIn = errors.New("built-in templates cannot be changed or deleted; upload a copy with another Key")

// Load compiles template XML as uploaded: a *TemplateError when it has
// errors; the warnings come back with a template that loads.
func (rt *Runtime) Load(name string, data []byte) (*engine.Template, templates.Problems, error) {
	c, problems := engine.Load(name, data, engine.Options{Location: rt.cfg.TimeZone})
	if c == nil {
		return nil, problems, &TemplateError{Problems: problems}
	}
	return c, problems, nil
}

// AddTemplate stores an uploaded template (at most
// templates.MaxCustomTemplates custom ones).
func (rt *Runtime) AddTemplate(ctx context.Context, data []byte) (*store.Template, *engine.Template, templates.Problems, error) {
	c, problems, err := rt.Load("template.xml", data)
	if err != nil {
		return nil, nil, problems, err
	}
	now := rt.cfg.Now()
	t := &store.Template{ID: store.NewID("tpl"), Key: c.Source.Key, Name: c.Source.Name, Provider: c.Source.Provider,
		Version: c.Source.Version, XML: data, CreatedAt: now, UpdatedAt: now}
	if err := rt.store.CreateTemplate(ctx, t, templates.MaxCustomTemplates); err != nil {
		return nil, nil, problems, err
	}
	return t, c, problems, nil
}

// ReplaceTemplate replaces a custom template's XML; the integrations on it
// use the new one at their next request.
func (rt *Runtime) ReplaceTemplate(ctx context.Context, t *store.Template, data []byte) (*engine.Template, templates.Problems, error) {
	if t.BuiltIn {
		return nil, nil, ErrBuiltIn
	}
	c, problems, err := rt.Load("template.xml", data)
	if err != nil {
		return nil, problems, err
	}
	t.Key, t.Name, t.Provider, t.Version, t.XML, t.UpdatedAt = c.Source.Key, c.Source.Name, c.Source.Provider, c.Source.Version, data, rt.cfg.Now()
	if err := rt.store.ReplaceTemplate(ctx, t); err != nil {
		return nil, problems, err
	}
	rt.ForgetTemplate(t.ID)
	return c, problems, nil
}

// DeleteTemplate deletes a custom template no integration uses.
func (rt *Runtime) DeleteTemplate(ctx context.Context, t *store.Template) error {
	if t.BuiltIn {
		return ErrBuiltIn
	}
	if err := rt.store.DeleteTemplate(ctx, t.ID); err != nil {
		return err
	}
	rt.ForgetTemplate(t.ID)
	return nil
}

// InstallBuiltins stores the shipped templates (the *.xml of files),
// updating them when a new Switchboard version ships a changed one.
// Replicas starting together may race; the one that loses finds the
// template installed.
func (rt *Runtime) InstallBuiltins(ctx context.Context, files fs.FS) error {
	names, err := fs.Glob(files, "*.xml")
	if err != nil {
		return err
	}
	for _, name := range names {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		c, problems, err := rt.Load(name, data)
		if err != nil {
			return fmt.Errorf("%s: %v", name, problems)
		}
		now := rt.cfg.Now()
		existing, err := rt.store.TemplateByKey(ctx, c.Source.Key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			t := &store.Template{ID: "builtin_" + c.Source.Key, Key: c.Source.Key, Name: c.Source.Name, Provider: c.Source.Provider,
				Version: c.Source.Version, BuiltIn: true, XML: data, CreatedAt: now, UpdatedAt: now}
			if err := rt.store.CreateTemplate(ctx, t, templates.MaxCustomTemplates); err != nil && !errors.Is(err, store.ErrConflict) {
				return err // another replica may have installed it just now
			}
		case err != nil:
			return err
		case existing.BuiltIn && string(existing.XML) != string(data):
			existing.XML, existing.Name, existing.Version, existing.UpdatedAt = data, c.Source.Name, c.Source.Version, now
			if err := rt.store.ReplaceTemplate(ctx, existing); err != nil {
				return err
			}
			rt.ForgetTemplate(existing.ID)
		}
	}
	return nil
}
