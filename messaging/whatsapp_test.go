package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// WhatsApp Cloud API payloads as Meta documents them (webhooks reference:
// messages and statuses; Cloud API: send message and its errors).

const waMessage = `{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [
          {"from": "16505551234", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
           "timestamp": "1749416383", "type": "text", "text": {"body": "Does it come in another color?"}},
          {"from": "16505551234", "id": "wamid.second", "timestamp": "1749416390", "type": "image",
           "image": {"id": "1003383421387256", "mime_type": "image/jpeg", "caption": "this one"}}
        ]
      },
      "field": "messages"
    }]
  }]
}`

const waStatus = `{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": "102290129340398",
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [
          {"id": "wamid.out1", "status": "delivered", "timestamp": "1750263773", "recipient_id": "16505551234"},
          {"id": "wamid.out2", "status": "failed", "timestamp": "1750263774", "recipient_id": "16505551234",
           "errors": [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}]}
        ]
      },
      "field": "messages"
    }]
  }]
}`

func TestWhatsAppHandshake(t *testing.T) {
	d := builtIn(t, "whatsapp_cloud.xml")
	vars := engine.Vars{"VerifyToken": "vt-6d1c7a"}
	q := func(mode, token, challenge string) url.Values {
		return url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
	}
	got, err := d.Handshake(q("subscribe", "vt-6d1c7a", "1158201444"), vars)
	require.NoError(t, err)
	require.Equal(t, "1158201444", got, "the challenge is echoed")
	for name, query := range map[string]url.Values{
		"wrong token":  q("subscribe", "vt-guess", "1158201444"),
		"no token":     q("subscribe", "", "1158201444"),
		"wrong mode":   q("unsubscribe", "vt-6d1c7a", "1158201444"),
		"no challenge": q("subscribe", "vt-6d1c7a", ""),
	} {
		_, err := d.Handshake(query, vars)
		require.True(t, errors.Is(err, messaging.ErrNotChallenge), "%s: %v", name, err)
	}
	_, err = d.Handshake(q("subscribe", "", "1"), engine.Vars{})
	require.True(t, errors.Is(err, messaging.ErrNotChallenge), "a channel without a token accepts no handshake")
}

func TestWhatsAppWebhooks(t *testing.T) {
	d := builtIn(t, "whatsapp_cloud.xml")
	vars := engine.Vars{"app_secret": "app-secret-9f8e"}
	signed := func(body string) messaging.WebhookRequest {
		return messaging.WebhookRequest{URL: "https://switchboard.test/webhooks/channels/k", Body: []byte(body),
			Header: headers("X-Hub-Signature-256", "sha256="+hmacHex("app-secret-9f8e", body))}
	}
	require.NoError(t, d.VerifyWebhook(signed(waMessage), vars, time.Now()))
	tampered := signed(waMessage)
	tampered.Body = []byte(strings.Replace(waMessage, "another color", "another colour", 1))
	require.ErrorIs(t, d.VerifyWebhook(tampered, vars, time.Now()), messaging.ErrBadSignature)
	require.ErrorIs(t, d.VerifyWebhook(signed(waMessage), engine.Vars{"app_secret": "not-the-secret"}, time.Now()), messaging.ErrBadSignature)

	parsed, err := d.Parse([]byte(waMessage), nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 2, "one webhook, two messages")
	m := parsed.Messages[0]
	require.Equal(t, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", m.ProviderID)
	require.Equal(t, "16505551234", m.From)
	require.Equal(t, "15550783881", m.To)
	require.Equal(t, "106540352242922", m.NumberID)
	require.Equal(t, "Does it come in another color?", m.Text)
	require.Equal(t, time.Unix(1749416383, 0).UTC(), m.ReceivedAt)
	require.Equal(t, "wamid.second", parsed.Messages[1].ProviderID, "rows stay paired though the image has no text")
	require.Equal(t, "[Image] this one", parsed.Messages[1].Text, "the caption, said to be a picture")
	require.Equal(t, []string{"https://graph.facebook.com/v23.0/1003383421387256"}, parsed.Messages[1].MediaURLs, "the media id at the Graph API")
	require.Empty(t, parsed.Reports)

	parsed, err = d.Parse([]byte(waStatus), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Messages)
	require.Equal(t, []messaging.Report{
		{ProviderID: "wamid.out1", Status: "delivered", ProviderText: "delivered"},
		{ProviderID: "wamid.out2", Status: "failed", ProviderText: "failed", ErrorCode: "131047", ErrorMessage: "Re-engagement message"},
	}, parsed.Reports)
	status, _, _ := d.Answer(vars)
	require.Equal(t, 200, status)
}

func TestWhatsAppSend(t *testing.T) {
	d := builtIn(t, "whatsapp_cloud.xml")
	require.False(t, d.Rules.AgentInitiated, "WhatsApp only answers customers")
	require.Equal(t, 24*time.Hour, d.Rules.ReplyWindow)
	require.Equal(t, 24*time.Hour, d.Rules.AutoClose)
	require.Equal(t, 80, d.Rules.MessagesPerSecond)
	var status int
	var answer string
	p := newProvider(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
	})
	c := clientFor(t, d, engine.Vars{"access_token": "EAAG-token", "app_secret": "s", "graph_url": p.URL + "/v21.0"})
	msg := messaging.Outgoing{From: "+15550783881", NumberID: "106540352242922", To: "+16505551234", Text: "Yes: in \"blue\" too"}

	status, answer = 200, `{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}`
	id, _, fail := d.Send(context.Background(), c, msg, "")
	require.Nil(t, fail)
	require.Equal(t, "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", id)
	got := p.take()[0]
	require.Equal(t, "POST /v21.0/106540352242922/messages", got.Method+" "+got.Path)
	require.Equal(t, "Bearer EAAG-token", got.Header.Get("Authorization"))
	require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text",
		"text":{"preview_url":false,"body":"Yes: in \"blue\" too"}}`, got.Body)

	img := msg
	img.MediaURLs = []string{"https://switchboard.test/media/a.jpg"}
	_, _, fail = d.Send(context.Background(), c, img, "")
	require.Nil(t, fail)
	body := p.take()[0].Body
	require.Equal(t, "image", gjson.Get(body, "type").String())
	require.Equal(t, "https://switchboard.test/media/a.jpg", gjson.Get(body, "image.link").String())
	require.Equal(t, `Yes: in "blue" too`, gjson.Get(body, "image.caption").String())

	status, answer = 400, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC"}}`
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "permanent", fail.Kind)
	require.Contains(t, fail.Message, "More than 24 hours have passed")
	require.Equal(t, "131047", fail.Code)

	status, answer = 401, `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}`
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "auth", fail.Kind)
	require.Contains(t, fail.Message, "invalid or has expired")

	status, answer = 400, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"AbC"}}`
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.True(t, fail.Temporary())

	// VerifyChannel reads the number through the Graph API.
	status, answer = 200, `{"display_phone_number":"+1 555-078-3881","id":"106540352242922"}`
	p.take()
	st, reason, _ := d.Verify(context.Background(), c, "+15550783881", "106540352242922")
	require.Equal(t, messaging.StatusConnected, st, reason)
	got = p.take()[0]
	require.Equal(t, "/v21.0/106540352242922", got.Path)
	require.Equal(t, "fields=display_phone_number", got.Query)
}
