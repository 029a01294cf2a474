package templatetest

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templates"
)

// Pin is in with what the run would otherwise choose anew each time fixed
// in its variables, so that a fixture made of the run holds it and its
// replay sends the same: a channel's VerifyChannel challenge, which
// templaterun draws at random when none is given (and which the request
// carries and the answer must echo). Record a run of Pin(t, in), never of
// in itself; in is not changed.
func Pin(t *engine.Template, in templaterun.Input) templaterun.Input {
	if !t.Source.IsChannel() || in.Scenario != templates.ScenarioVerifyChannel || in.Vars["Challenge"] != "" {
		return in
	}
	vars := engine.Vars{}
	maps.Copy(vars, in.Vars)
	vars["Challenge"] = messaging.NewChallenge()
	in.Vars = vars
	return in
}
