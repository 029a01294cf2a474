package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A message to a number the channel does not have is acknowledged (the
// provider would only send it again), counted, and kept where an
// administrator finds it; a number on two channels is refused.
func TestUnknownNumbersAreDeadLettersAndNumbersBelongToOneChannel(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	ch, queueID := smsChannel(t, e, p)
	hook := ch["webhookUrl"].(string)

	body := genericInbound("in-lost", customerNo, "+14155550999", "Is anyone there?")
	r := e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	require.Equal(t, 204, r.Status, string(r.Body))
	dead := e.expect(e.admin("GET", "/api/v1/dead-letters", nil), 200)["deadLetters"].([]any)
	require.Len(t, dead, 1)
	d := dead[0].(map[string]any)
	require.Equal(t, ch["id"], d["channelId"])
	require.Equal(t, `the channel has no number "+14155550999"`, d["reason"])
	require.Equal(t, "Is anyone there?", d["message"].(map[string]any)["text"])
	require.Len(t, e.expect(e.admin("GET", "/api/v1/dead-letters?channelId=nope", nil), 200)["deadLetters"], 0)
	require.Equal(t, 400, e.admin("GET", "/api/v1/dead-letters?limit=0", nil).Status)
	require.Equal(t, 403, e.do("GET", "/api/v1/dead-letters", e.token("agent", "1001"), nil).Status)
	metrics := string(e.do("GET", "/metrics", "", nil).Body)
	require.Contains(t, metrics, `switchboard_channel_messages_total{channel="`+ch["id"].(string)+`",direction="in",result="unknown_number"} 1`)

	// The same number on a second channel: 409 naming the first.
	r = e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Second SMS",
		"fields":  map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "queue", "id": queueID}}},
	})
	require.Equal(t, 409, r.Status, r.String())
	require.Equal(t, "number_taken", errCode(t, r))
	require.Contains(t, r.String(), smsNumber+" is on channel Main SMS ("+ch["id"].(string)+")")
	require.Len(t, e.expect(e.admin("GET", "/api/v1/channels", nil), 200)["channels"], 1, "nothing was kept")
	// Changing the channel that has it is fine.
	e.expect(e.admin("PUT", "/api/v1/channels/"+ch["id"].(string), map[string]any{"name": "Main SMS",
		"fields":  map[string]string{"send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "queue", "id": queueID}}}}), 200)
}
