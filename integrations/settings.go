package integrations

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// SettingsError lists every way settings do not fit the template.
type SettingsError struct{ Problems []string }

func (e *SettingsError) Error() string {
	return "the settings do not fit the template: " + strings.Join(e.Problems, "; ")
}

// SaveSettings checks an integration's new settings against its template
// (a *SettingsError with every problem), saves them, and compiles the
// subjects and descriptions the admin wrote into the integration's cached
// connection, so no call step compiles them. It returns the warnings:
// settings that are valid but cannot do what they say.
func (rt *Runtime) SaveSettings(ctx context.Context, in *store.Integration, st scenarios.Settings) ([]string, error) {
	c, err := rt.TemplateOf(ctx, in)
	if err != nil {
		return nil, err
	}
	if problems := scenarios.ValidateSettings(&st, c); len(problems) > 0 {
		return nil, &SettingsError{Problems: problems}
	}
	in.Settings, _ = json.Marshal(st) // a struct of plain values always marshals
	in.UpdatedAt = rt.cfg.Now()
	if err := rt.store.UpdateIntegration(ctx, in); err != nil {
		return nil, err
	}
	if _, err := rt.Conn(ctx, in); err != nil {
		// The settings are saved; the connection is built again at the
		// integration's next use, and fails there with this reason.
		rt.log.Warn("preparing an integration's connection", "integration", in.ID, "err", err)
	}
	return scenarios.SettingsWarnings(&st, c), nil
}
