package messaging_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// Flowroute's webhooks, in the shapes of its Messages v2.1 reference
// ("Receive an SMS", "Receive an MMS", "Receive a DLR").

func flowrouteSMS(id, from, to, body string) string {
	return fmt.Sprintf(`{"data":{"attributes":{"amount_display":"$0.0000","amount_nanodollars":0,"body":%q,"callback_url":null,"delivery_receipts":[],`+
		`"direction":"inbound","from":%q,"is_mms":false,"message_encoding":0,"message_type":"longcode","status":"delivered",`+
		`"timestamp":"2026-11-26T07:03:48.53Z","to":%q},"id":%q,"type":"message"}}`, body, from, to, id)
}

func flowrouteMMS(id, from, to, body string, urls ...string) string {
	included := ""
	for i, u := range urls {
		if i > 0 {
			included += ","
		}
		included += fmt.Sprintf(`{"attributes":{"file_name":"IMG_%d.jpg","file_size":20480,"mime_type":"image/jpeg","url":%q},"id":"mm%d","links":{"self":"https://api.flowroute.com/v2.1/media/mm%d"},"type":"media"}`, i, u, i, i)
	}
	return fmt.Sprintf(`{"data":{"attributes":{"body":%q,"direction":"inbound","from":%q,"is_mms":true,"message_type":"longcode",`+
		`"timestamp":"2026-11-26T07:03:48.53Z","to":%q},"id":%q,"relationships":{"media":{"data":[]}},"type":"message"},"included":[%s]}`,
		body, from, to, id, included)
}

func flowrouteDLR(id, status, code, description string) string {
	return fmt.Sprintf(`{"data":{"attributes":{"body":"On its way","level":2,"status":%q,"status_code":%q,"status_code_description":%q,`+
		`"timestamp":"2026-11-26T07:04:00.00Z"},"id":%q,"links":{"related":"https://api.flowroute.com/v2.1/messages/%s"},"type":"delivery_receipt"}}`,
		status, code, description, id, id)
}

func TestFlowrouteWebhooks(t *testing.T) {
	d := builtIn(t, "flowroute.xml")
	parsed, err := d.Parse([]byte(flowrouteSMS("mdr2-39cadeace66e11e7aff806cd7f24ba2d", "12065550100", "12065551234", "Hello there!")), nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 1)
	m := parsed.Messages[0]
	require.Equal(t, "mdr2-39cadeace66e11e7aff806cd7f24ba2d", m.ProviderID)
	require.Equal(t, "Hello there!", m.Text)
	require.Equal(t, time.Date(2026, 11, 26, 7, 3, 48, 530e6, time.UTC), m.ReceivedAt)

	parsed, err = d.Parse([]byte(flowrouteMMS("mdr2-mms1", "12065550100", "12065551234", "", "https://s3.us-west-2.amazonaws.com/mms/a.jpg", "https://s3.us-west-2.amazonaws.com/mms/b.jpg")), nil)
	require.NoError(t, err)
	require.Equal(t, []string{"https://s3.us-west-2.amazonaws.com/mms/a.jpg", "https://s3.us-west-2.amazonaws.com/mms/b.jpg"}, parsed.Messages[0].MediaURLs)

	for _, c := range []struct {
		body string
		want messaging.Report
	}{
		{flowrouteDLR("mdr2-out1", "message buffered", "1003", "Message buffered"),
			messaging.Report{ProviderID: "mdr2-out1", Status: "sent", ProviderText: "message buffered", ErrorCode: "1003", ErrorMessage: "Message buffered"}},
		{flowrouteDLR("mdr2-out1", "delivered", "1000", "Message delivered to handset"),
			messaging.Report{ProviderID: "mdr2-out1", Status: "delivered", ProviderText: "delivered", ErrorCode: "1000", ErrorMessage: "Message delivered to handset"}},
		{flowrouteDLR("mdr2-out1", "smsc reject", "4100", "Rejected by carrier"),
			messaging.Report{ProviderID: "mdr2-out1", Status: "failed", ProviderText: "smsc reject", ErrorCode: "4100", ErrorMessage: "Rejected by carrier"}},
	} {
		parsed, err := d.Parse([]byte(c.body), nil)
		require.NoError(t, err)
		require.Empty(t, parsed.Messages)
		require.Equal(t, []messaging.Report{c.want}, parsed.Reports)
	}

	// Flowroute signs nothing: the webhook URL's token is the proof.
	vars := engine.Vars{"VerifyToken": "vt-0123456789abcdef0123456789abcd"}
	hook := d.WebhookURL("https://switchboard.example.com/webhooks/channels/k", vars)
	require.Equal(t, "https://switchboard.example.com/webhooks/channels/k?token=vt-0123456789abcdef0123456789abcd", hook)
	body := []byte(flowrouteSMS("mdr2-1", "12065550100", "12065551234", "hi"))
	require.NoError(t, d.VerifyWebhook(messaging.WebhookRequest{URL: hook, Body: body}, vars, time.Now()))
	require.ErrorIs(t, d.VerifyWebhook(messaging.WebhookRequest{URL: "https://switchboard.example.com/webhooks/channels/k", Body: body}, vars, time.Now()),
		messaging.ErrBadSignature)
	require.ErrorIs(t, d.VerifyWebhook(messaging.WebhookRequest{URL: hook + "x", Body: body}, vars, time.Now()), messaging.ErrBadSignature)

	// SendMessage may also use the token itself.
	require.Equal(t, "vt-1", messaging.Outgoing{VerifyToken: "vt-1"}.Vars(hook)["VerifyToken"])
	// A template that checks no token in the URL keeps the URL as it is.
	require.Equal(t, "https://switchboard.example.com/webhooks/channels/k",
		builtIn(t, "twilio.xml").WebhookURL("https://switchboard.example.com/webhooks/channels/k", vars))
}

func TestFlowrouteSend(t *testing.T) {
	d := builtIn(t, "flowroute.xml")
	p := newAnswering(t, "application/vnd.api+json")
	c := clientFor(t, d, engine.Vars{"access_key": "12345678", "secret_key": "m8axLA45yds7kmiC88aOQ9d5caADg6vr", "api_url": p.URL})
	hook := "https://switchboard.example.com/webhooks/channels/k?token=vt-1"
	p.answer(202, `{"data":{"id":"mdr2-b3f5a2c8e0d111e7a8a306cd7f24ba2d","links":{"self":"https://api.flowroute.com/v2.1/messages/mdr2-b3f5a2c8e0d111e7a8a306cd7f24ba2d"},"type":"message"}}`)
	id, _, fail := d.Send(context.Background(), c, messaging.Outgoing{From: "+12065551234", To: "+12065550100", Text: `Your "order" shipped`}, hook)
	require.Nil(t, fail)
	require.Equal(t, "mdr2-b3f5a2c8e0d111e7a8a306cd7f24ba2d", id)
	got := p.take()[0]
	require.Equal(t, "POST /v2.1/messages", got.Method+" "+got.Path)
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("12345678:m8axLA45yds7kmiC88aOQ9d5caADg6vr")), got.Header.Get("Authorization"))
	require.Equal(t, "application/vnd.api+json", got.Header.Get("Content-Type"))
	require.JSONEq(t, `{"to":"12065550100","from":"12065551234","body":"Your \"order\" shipped","dlr_callback":"`+hook+`"}`, got.Body,
		"v2.1 numbers without +; the receipts come back to the token-carrying URL")

	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+12065551234", To: "+12065550100", Text: "The label",
		MediaURLs: []string{"https://switchboard.test/m/label.png"}}, hook)
	require.Nil(t, fail)
	require.JSONEq(t, `{"to":"12065550100","from":"12065551234","body":"The label","dlr_callback":"`+hook+`","is_mms":true,"media_urls":["https://switchboard.test/m/label.png"]}`, p.take()[0].Body)

	p.answer(401, `{"errors":[{"detail":"Authentication credentials were not provided or are invalid.","id":"4ae8e6ab","status":401,"title":"Unauthorized"}]}`)
	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+12065551234", To: "+12065550100", Text: "x"}, hook)
	require.Equal(t, "auth", fail.Kind)
	p.answer(429, `{"errors":[{"detail":"Too many requests","id":"b1","status":429,"title":"Too Many Requests"}]}`)
	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+12065551234", To: "+12065550100", Text: "x"}, hook)
	require.Equal(t, "temporary", fail.Kind)

	p.take()
	p.answer(200, `{"data":[{"attributes":{"value":"12065551234"},"id":"12065551234","type":"number"}],"links":{"first":"x"}}`)
	st, reason, _ := d.Verify(context.Background(), c, "+12065551234", "")
	require.Equal(t, messaging.StatusConnected, st, reason)
	v := p.take()[0]
	require.Equal(t, "GET /v2/numbers limit=1", v.Method+" "+v.Path+" "+v.Query)
}
