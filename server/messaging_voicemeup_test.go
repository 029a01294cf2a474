package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// A VoiceMeUp channel end to end, against a fake of the API as third-party
// integration code shows it: credentials in the form, errors inside 200
// answers; its webhooks prove themselves by the token in the channel's URL.
func TestVoiceMeUpConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		e := open(t)
		vmu := newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
			w.Header().Set("Content-Type", "application/json")
			form, _ := url.ParseQuery(c.Body)
			if form.Get("username") != "acme-api" || form.Get("auth_token") != "vmu-token" {
				fmt.Fprint(w, `{"response_details":{"response_status":"error","response_messages":{"message":{"code":"invalid_auth","_content":"Invalid username or auth token"}}}}`)
				return
			}
			fmt.Fprintf(w, `{"response_details":{"response_status":"success","response_messages":{"message":[{"code":"sms_queued","_content":"SMS queued"},{"code":"queued_sms_hash","_content":"hash%d"}]}}}`, n)
		})
		e.extensions("1001")
		ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_voicemeup", "name": "VoiceMeUp",
			"fields":  map[string]string{"username": "acme-api", "auth_token": "vmu-token", "api_url": vmu.URL},
			"numbers": []map[string]any{{"number": "+15145550100", "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
		hook := ch["webhookUrl"].(string)
		require.Contains(t, hook, "?token=")
		agent := e.token("agent", "1001")
		st := e.stream(agent)

		in := `{"sms_hash":"f00dbabe42","source_number":"15145550123","destination_number":"15145550100","message":"Is it in stock?",` +
			`"datetime_transmission":"2026-11-26 07:45:00","direction":"incoming","attachment":""}`
		require.Equal(t, 400, e.webhook(strings.SplitN(hook, "?", 2)[0], "application/json", in).Status, "without the token")
		require.Equal(t, 200, e.webhook(hook, "application/json", in).Status)
		created := st.next("session.created", nil)
		require.Equal(t, "+15145550123", created["customer"])

		sent := e.expect(e.do("POST", "/api/v1/sessions/"+created["id"].(string)+"/messages", agent, map[string]any{"text": "Yes, three left."}), 202)
		calls := vmu.waitSent(t, "POST", "/api/v1.1/json/queue_sms", 1)
		form, err := url.ParseQuery(calls[0].Body)
		require.NoError(t, err)
		require.Equal(t, "15145550123", form.Get("destination_number"))
		require.Equal(t, "Yes, three left.", form.Get("message"))
		out := e.waitMessage(agent, created["id"].(string), sent["id"].(string), "sent")
		require.True(t, strings.HasPrefix(out["providerId"].(string), "hash"), out["providerId"])

		// An MMS: the text with its .mms.html wrapper, then the media, in
		// two webhooks; the first is answered once the two are one message.
		mmsText := `{"sms_hash":"aa01","source_number":"15145550123","destination_number":"15145550100","message":"Here is the damaged box",` +
			`"datetime_transmission":"2026-11-26 07:50:12","direction":"incoming","attachment":"https://clients.voicemeup.com/mms/aa01.mms.html","attachment_mime_type":"text/html"}`
		mmsMedia := `{"sms_hash":"aa02","source_number":"15145550123","destination_number":"15145550100","message":"",` +
			`"datetime_transmission":"2026-11-26 07:50:12","direction":"incoming","attachment":"https://clients.voicemeup.com/mms/aa02.jpg","attachment_mime_type":"image/jpeg"}`
		first := make(chan int, 1)
		go func() { first <- e.webhook(hook, "application/json", mmsText).Status }()
		waitHeld(t, e, ch["id"].(string), 1)
		require.Equal(t, 200, e.webhook(hook, "application/json", mmsMedia).Status)
		require.Equal(t, 200, <-first)
		mms := st.next("message.created", func(d map[string]any) bool { return d["providerId"] == "aa01+aa02" })
		require.Equal(t, "Here is the damaged box", mms["text"])
		require.Equal(t, []any{"https://clients.voicemeup.com/mms/aa02.jpg"}, mms["mediaUrls"])
		require.Len(t, e.messages(agent, created["id"].(string)), 3, "the MMS is one message")

		// A wrapper whose media never comes is kept as its text.
		lone := strings.NewReplacer("aa01", "bb01", "07:50:12", "07:55:00").Replace(mmsText)
		require.Equal(t, 200, e.webhook(hook, "application/json", lone).Status)
		alone := st.next("message.created", func(d map[string]any) bool { return d["providerId"] == "bb01" })
		require.Equal(t, "Here is the damaged box", alone["text"])
		require.Empty(t, alone["mediaUrls"])
	})
}

// waitHeld waits until the channel has held n parts of messages for the
// rest of them (the metrics say so).
func waitHeld(t *testing.T, e *env, channelID string, n int) {
	t.Helper()
	want := fmt.Sprintf(`switchboard_channel_messages_total{channel="%s",direction="in",result="held"} %d`, channelID, n)
	require.Eventually(t, func() bool {
		return strings.Contains(string(e.do("GET", "/metrics", "", nil).Body), want)
	}, 10*time.Second, 10*time.Millisecond, "the first part is held")
}
