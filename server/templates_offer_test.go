package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A helpdesk template says what its integrations' settings may choose (the
// console's settings form); a channel template has no such settings.
func TestTemplateSaysWhatSettingsItOffers(t *testing.T) {
	e := newEnv(t)
	zd := e.expect(e.admin("GET", "/api/v1/templates/builtin_zendesk", nil), 200)
	offer := zd["settingsOffer"].(map[string]any)
	require.Equal(t, true, offer["contactSync"])
	require.Equal(t, []any{"contacts"}, offer["creatableTypes"])
	require.Equal(t, true, offer["playRecording"])
	require.Equal(t, []any{"inbound", "outbound"}, offer["beforeCallTypes"])
	require.Equal(t, []any{"ringing", "answered", "hangup", "manual"}, offer["popTriggers"])
	ticket := offer["ticket"].(map[string]any)
	require.Equal(t, true, ticket["editSubject"])
	require.Contains(t, ticket["subject"], "{{.Communication_Type}} call")

	sms := e.expect(e.admin("GET", "/api/v1/templates/builtin_sms_generic", nil), 200)
	require.NotContains(t, sms, "settingsOffer")
}
