package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The gauges read from the database at each scrape: the backlog, and the
// integrations and channels by status.
func TestMetricsShowTheBacklogAndConnections(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	e.extensions("1001")
	e.expect(e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Main SMS",
		"fields":  map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}},
	}), 201)
	r := e.do("GET", "/metrics", "", nil)
	require.Equal(t, 200, r.Status)
	for _, want := range []string{
		"switchboard_database_up 1\n",
		"switchboard_jobs_waiting ",
		"switchboard_call_steps_pending 0\n",
		"switchboard_messages_waiting 0\n",
		"switchboard_sessions_waiting 0\n",
		`switchboard_connections{kind="channel",status="connected"} 1` + "\n",
	} {
		require.Contains(t, string(r.Body), want)
	}
}
