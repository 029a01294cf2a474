package scenarios

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// GlobalInfo runs the template's GetGlobalInfo scenario, whose outputs are
// variables for every later scenario except auth (DESIGN §2). It returns
// nil when the template has no such scenario. The caller keeps the
// variables with the integration and passes them to later runs.
func GlobalInfo(ctx context.Context, c *engine.Client) *engine.Result {
	if c.Template().Scenario(templates.ScenarioGlobalInfo) == nil {
		return nil
	}
	return c.Run(ctx, templates.ScenarioGlobalInfo, nil, engine.RunOptions{})
}
