package templatetest

import (
	"maps"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templates"
)

// Pin is in with what the run would otherwise choose anew each time fixed
// in its variables, so that a fixture made of the run holds it and its
// replay sends the same: a channel's VerifyChannel challenge, which
// templaterun draws at random when none is given (and which the request
// carries and the answer must echo), when the scenario uses it. Record a
// run of Pin(t, in), never of in itself; in is not changed.
func Pin(t *engine.Template, in templaterun.Input) templaterun.Input {
	if !t.Source.IsChannel() || in.Scenario != templates.ScenarioVerifyChannel || in.Vars["Challenge"] != "" ||
		!usesChallenge(t.Source) {
		return in
	}
	vars := engine.Vars{}
	maps.Copy(vars, in.Vars)
	vars["Challenge"] = messaging.NewChallenge()
	in.Vars = vars
	return in
}

// usesChallenge reports whether VerifyChannel (or a Common request it may
// reach) refers to {{.Challenge}}.
func usesChallenge(t *templates.Template) bool {
	uses := func(params []*templates.Parameter) bool {
		for _, p := range params {
			if strings.Contains(p.Value, ".Challenge") {
				return true
			}
		}
		return false
	}
	for _, id := range []string{templates.ScenarioVerifyChannel, templates.ScenarioCommon} {
		sc := t.Scenario(id)
		if sc == nil {
			continue
		}
		if uses(sc.Parameters) {
			return true
		}
		for _, r := range sc.Requests {
			if strings.Contains(r.URLFormat, ".Challenge") || uses(r.Parameters) {
				return true
			}
		}
	}
	return false
}
