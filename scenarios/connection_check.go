package scenarios

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// checkNumber is the number the connection check looks up when a template
// has nothing better to ask: any answer in 2xx shows the URL and the
// credentials work, whether or not someone has it.
const checkNumber = "+10000000000"

// ConnectionCheck asks the remote system something harmless to show that
// its address and the credentials work: GetGlobalInfo when the template has
// it (its outputs are the integration's global variables), else the first
// page of UserAssociation, else one contact lookup. It returns the
// scenario it ran and the result, whose Err says why the check failed; a
// nil result means the template offers nothing to check with.
func ConnectionCheck(ctx context.Context, c *engine.Client) (string, *engine.Result) {
	t := c.Template()
	switch {
	case t.Scenario(templates.ScenarioGlobalInfo) != nil:
		return templates.ScenarioGlobalInfo, GlobalInfo(ctx, c)
	case t.Scenario(templates.ScenarioUserAssociation) != nil:
		vars := pageVars(1, intSetting(t.Scenario(templates.ScenarioUserAssociation), "PageSize", defaultPageSize), "")
		return templates.ScenarioUserAssociation, c.Run(ctx, templates.ScenarioUserAssociation, vars, engine.RunOptions{})
	case t.Scenario(templates.ScenarioSyncContact) != nil:
		sc := t.Scenario(templates.ScenarioSyncContact)
		var first []string
		if names := sc.RequestNames(); len(names) > 0 {
			first = names[:1]
		}
		vars := engine.Vars{"Phone": checkNumber, "CallerNumber": checkNumber, "ContactNumber": checkNumber}
		return templates.ScenarioSyncContact, c.Run(ctx, templates.ScenarioSyncContact, vars, engine.RunOptions{Requests: first})
	}
	return "", nil
}
