package scenarios_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

func zendesk(t *testing.T) *engine.Template {
	data, err := os.ReadFile("../examples/zendesk.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("zendesk.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	return tmpl
}

func settings(t *testing.T, js string) scenarios.Settings {
	var st scenarios.Settings
	require.NoError(t, json.Unmarshal([]byte(js), &st))
	return st
}

func names(steps []scenarios.Step) []string {
	out := []string{}
	for _, s := range steps {
		out = append(out, s.Name)
	}
	return out
}

func TestPlan(t *testing.T) {
	tmpl := zendesk(t)
	call := func(state, dir, disposition string) *scenarios.Call {
		return &scenarios.Call{ID: "c", State: state, Direction: dir, Extension: "1001", External: scenarios.Party{Number: "+1"}, Disposition: disposition}
	}
	everything := settings(t, `{"contactSync":{"enabled":true},
		"contactCreation":{"enabled":true,"contactType":"contacts","mode":"auto","callTypes":["inbound"]},
		"ticket":{"enabled":true,"when":"beforeCall","callTypes":["inbound"]},
		"callJournal":{"enabled":true}}`)
	require.Equal(t, []string{"lookup", "createContact", "createTicket"}, names(scenarios.Plan(call("ringing", "inbound", ""), everything, tmpl)))
	require.Equal(t, []string{"lookup", "createContact", "createTicket", "updateTicket", "journal"}, names(scenarios.Plan(call("hangup", "inbound", "ANSWERED"), everything, tmpl)),
		"the order at hangup: lookup, contact, ticket update, journal")
	require.Equal(t, []string{"lookup", "journal"}, names(scenarios.Plan(call("hangup", "outbound", "ANSWERED"), everything, tmpl)), "outbound calls are not configured for contacts and tickets")

	after := settings(t, `{"ticket":{"enabled":true,"when":"afterCall","callTypes":["inboundMissed"]}}`)
	require.Empty(t, names(scenarios.Plan(call("ringing", "inbound", ""), after, tmpl)))
	require.Empty(t, names(scenarios.Plan(call("hangup", "inbound", "ANSWERED"), after, tmpl)))
	require.Equal(t, []string{"lookup", "createTicket"}, names(scenarios.Plan(call("hangup", "inbound", "NO ANSWER"), after, tmpl)),
		"Zendesk's CreateNewTicket has NeedSyncContact=1: the lookup runs first")

	require.Empty(t, names(scenarios.Plan(call("hangup", "inbound", ""), scenarios.Settings{}, tmpl)), "nothing enabled, nothing to do")
	lookupTypes := scenarios.Plan(call("ringing", "inbound", ""), settings(t, `{"contactSync":{"enabled":true,"contactTypes":["contacts"]}}`), tmpl)
	require.Equal(t, []string{"contacts"}, lookupTypes[0].Requests)
	require.Equal(t, "outboundUnanswered", scenarios.AfterCallType(call("hangup", "outbound", "BUSY")))
}
