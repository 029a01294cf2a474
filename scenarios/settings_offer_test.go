package scenarios_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/scenarios"
)

// What the Zendesk example offers is what ValidateSettings accepts from it:
// every feature, its contact types, its texts (editable), recordings.
func TestOfferedByZendesk(t *testing.T) {
	tmpl := zendesk(t)
	o := scenarios.Offered(tmpl)
	require.True(t, o.ContactSync)
	require.NotEmpty(t, o.ContactTypes)
	require.True(t, o.ContactCreation)
	require.Equal(t, []string{"contacts"}, o.CreatableTypes)
	require.NotNil(t, o.Ticket)
	require.True(t, o.Ticket.EditSubject)
	require.Contains(t, o.Ticket.Subject, "call")
	require.NotNil(t, o.CallJournal)
	require.True(t, o.PlayRecording)
	require.Equal(t, []string{"inbound", "outbound"}, o.BeforeCallTypes)
	require.Contains(t, o.PopTriggers, "ringing")

	st := settings(t, `{"contactSync":{"enabled":true,"contactTypes":["`+o.ContactTypes[0]+`"]},
		"contactCreation":{"enabled":true,"contactType":"`+o.CreatableTypes[0]+`","mode":"manual"},
		"ticket":{"enabled":true,"when":"afterCall","callTypes":["`+o.AfterCallTypes[0]+`"],"subject":"`+o.Ticket.Subject+`"},
		"callJournal":{"enabled":true,"playRecording":true},"screenPop":{"trigger":"`+o.PopTriggers[0]+`"}}`)
	require.Empty(t, scenarios.ValidateSettings(&st, tmpl))
}
