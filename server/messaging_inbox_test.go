package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// What the agents' inbox reads besides sessions and messages: each
// session's channel rules (name, kind, length limit, reply window), the
// session's timeline, and the numbers an agent may start sessions from.

func TestInboxSessionRulesTimelineAndNumbers(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	ch, queueID := smsChannel(t, e, p)
	hook := ch["webhookUrl"].(string)
	a1, a2, a3 := e.token("agent", "1001"), e.token("agent", "1002"), e.token("agent", "1003")

	// The numbers: 1003 may start sessions on the channel's number, the
	// others nowhere; an admin, with no extension, neither.
	nums := e.expect(e.do("GET", "/api/v1/sessions/numbers", a3, nil), 200)["numbers"].([]any)
	require.Len(t, nums, 1)
	require.Equal(t, map[string]any{"channelId": ch["id"], "channelName": "Main SMS", "number": smsNumber}, nums[0])
	require.Empty(t, e.expect(e.do("GET", "/api/v1/sessions/numbers", a1, nil), 200)["numbers"])
	require.Empty(t, e.expect(e.admin("GET", "/api/v1/sessions/numbers", nil), 200)["numbers"])

	body := genericInbound("in-1", customerNo, smsNumber, "Hello?")
	require.Equal(t, 204, e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)).Status)
	var sid string
	require.Eventually(t, func() bool {
		list := e.expect(e.do("GET", "/api/v1/sessions", a2, nil), 200)["sessions"].([]any)
		if len(list) == 1 {
			sid = list[0].(map[string]any)["id"].(string)
		}
		return sid != ""
	}, 10*time.Second, 20*time.Millisecond)

	// The session tells its channel's rules: SMS, no length limit and no
	// reply window on the generic SMS API.
	ses := e.expect(e.do("GET", "/api/v1/sessions/"+sid, a1, nil), 200)
	require.Equal(t, "Main SMS", ses["channelName"])
	require.Equal(t, "sms", ses["kind"])
	require.NotContains(t, ses, "maxTextLength")
	require.NotContains(t, ses, "replyWindowEndsAt")

	// The timeline: created, then taken over; for the session's agents only.
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a1, nil), 200)
	events := e.expect(e.do("GET", "/api/v1/sessions/"+sid+"/events", a1, nil), 200)["events"].([]any)
	require.Len(t, events, 2)
	require.Equal(t, "created", events[0].(map[string]any)["type"])
	taken := events[1].(map[string]any)
	require.Equal(t, "taken_over", taken["type"])
	require.Equal(t, "1001", taken["actor"])
	require.Equal(t, queueID, taken["detail"].(map[string]any)["queue"])
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+sid+"/events", a2, nil).Status, "no longer 1002's")
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+sid+"/events", a3, nil).Status)
	require.Len(t, e.expect(e.admin("GET", "/api/v1/sessions/"+sid+"/events", nil), 200)["events"], 2)
}

// A WhatsApp session says when its 24-hour window closes, and the length
// its channel carries; so do the stream's session events.
func TestInboxReplyWindow(t *testing.T) {
	e := newEnv(t)
	g := graphAPI(t)
	e.extensions("1001")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_whatsapp_cloud", "name": "WhatsApp",
		"fields":  map[string]string{"access_token": waToken, "app_secret": waSecret, "graph_url": g.URL + "/v21.0"},
		"numbers": []map[string]any{{"number": waNumber, "numberId": waNumberID, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	agent := e.token("agent", "1001")
	st := e.stream(agent)
	msg := waMessage("wamid.in1", "16505551234", "Is it in stock?", time.Now())
	require.Equal(t, 200, e.webhook(ch["webhookUrl"].(string), "application/json", msg,
		"X-Hub-Signature-256", "sha256="+hmacSHA256Hex(waSecret, msg)).Status)
	created := st.next("session.created", nil)
	require.Equal(t, "messaging", created["kind"])
	require.Equal(t, 4096.0, created["maxTextLength"])
	require.Contains(t, created, "replyWindowEndsAt")

	ses := e.expect(e.do("GET", "/api/v1/sessions/"+created["id"].(string), agent, nil), 200)
	last, err := time.Parse(time.RFC3339Nano, ses["lastInboundAt"].(string))
	require.NoError(t, err)
	ends, err := time.Parse(time.RFC3339Nano, ses["replyWindowEndsAt"].(string))
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, ends.Sub(last))
	require.Equal(t, "WhatsApp", ses["channelName"])
	list := e.expect(e.do("GET", "/api/v1/sessions", agent, nil), 200)["sessions"].([]any)
	require.Equal(t, ses["replyWindowEndsAt"], list[0].(map[string]any)["replyWindowEndsAt"])
}
