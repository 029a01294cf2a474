package messaging_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// VoiceMeUp, in the shapes third-party integration code shows (no official
// reference was found): a form send with the credentials in it, answers
// whose message list is one object or an array, errors inside 200 answers.
func TestVoiceMeUpSend(t *testing.T) {
	d := builtIn(t, "voicemeup.xml")
	p := newAnswering(t, "application/json")
	c := clientFor(t, d, engine.Vars{"username": "acme-api", "auth_token": "vmu-token-5c1e", "api_url": p.URL})
	msg := messaging.Outgoing{From: "+15145550100", To: "+15145550123", Text: "Your order shipped & is on its way",
		MediaURLs: []string{"https://switchboard.test/m/label.png"}}

	for _, answer := range []string{
		`{"response_details":{"response_status":"success","response_messages":{"message":[{"code":"sms_queued","_content":"SMS queued"},{"code":"queued_sms_hash","_content":"a1b2c3d4e5"}]}}}`,
		`{"response_details":{"response_status":"success","response_messages":{"message":{"code":"queued_sms_hash","_content":"a1b2c3d4e5"}}}}`,
	} {
		p.answer(200, answer)
		id, _, fail := d.Send(context.Background(), c, msg, "")
		require.Nil(t, fail)
		require.Equal(t, "a1b2c3d4e5", id, "the hash, from a list or a single entry")
	}
	reqs := p.take()
	require.Equal(t, "POST /api/v1.1/json/queue_sms", reqs[0].Method+" "+reqs[0].Path)
	form, err := url.ParseQuery(reqs[0].Body)
	require.NoError(t, err)
	require.Equal(t, url.Values{"username": {"acme-api"}, "auth_token": {"vmu-token-5c1e"}, "source_number": {"15145550100"},
		"destination_number": {"15145550123"}, "message": {"Your order shipped & is on its way"}, "attachment": {"https://switchboard.test/m/label.png"}}, form)

	// An error inside a 200 answer fails the send with VoiceMeUp's words,
	// and its text is never taken for a message id.
	p.answer(200, `{"response_details":{"response_status":"error","response_messages":{"message":{"code":"invalid_auth","_content":"Invalid username or auth token"}}}}`)
	_, _, fail := d.Send(context.Background(), c, msg, "")
	require.NotNil(t, fail)
	require.Equal(t, "permanent", fail.Kind)
	require.Contains(t, fail.Message, "Invalid username or auth token")
}

func TestVoiceMeUpWebhook(t *testing.T) {
	d := builtIn(t, "voicemeup.xml")
	body := `{"sms_hash":"f00dbabe42","source_number":"15145550123","destination_number":"15145550100","message":"Is it in stock?",` +
		`"datetime_transmission":"2026-11-26 07:45:00","direction":"incoming","attachment":""}`
	parsed, err := d.Parse([]byte(body), nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 1)
	m := parsed.Messages[0]
	require.Equal(t, []string{"f00dbabe42", "15145550123", "15145550100", "Is it in stock?"}, []string{m.ProviderID, m.From, m.To, m.Text})
	require.Empty(t, m.MediaURLs)

	vars := engine.Vars{"VerifyToken": "vt-voicemeup"}
	hook := d.WebhookURL("https://switchboard.example.com/webhooks/channels/k", vars)
	require.Equal(t, "https://switchboard.example.com/webhooks/channels/k?token=vt-voicemeup", hook)
}
