package messaging_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/messaging"
)

// Twilio's webhooks are signed here by Twilio's own Node library, so the
// check below is against Twilio's algorithm, not a copy of it.

const twilioToken = "12345678901234567890123456789012"

func twilioInbound() url.Values {
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"CA"}, "SmsMessageSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}, "NumMedia": {"2"},
		"ToCity": {""}, "FromZip": {""}, "SmsSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}, "FromState": {"CA"},
		"SmsStatus": {"received"}, "FromCity": {""}, "Body": {"Hello 😀 — ünïcode & 'quotes'"}, "FromCountry": {"US"},
		"To": {"+15017122661"}, "ToZip": {""}, "NumSegments": {"1"}, "MessageSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"},
		"AccountSid": {"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}, "From": {"+15558675310"}, "ApiVersion": {"2010-04-01"},
		"MediaUrl0":         {"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"},
		"MediaContentType0": {"image/jpeg"},
		"MediaUrl1":         {"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"},
		"MediaContentType1": {"image/png"},
	}
}

func TestTwilioWebhookSignatures(t *testing.T) {
	signer := testpeers.StartTwilioSigner(t)
	d := builtIn(t, "twilio.xml")
	vars := engine.Vars{"auth_token": twilioToken}
	now := time.Now()
	for _, hook := range []string{
		"https://switchboard.example.com/webhooks/channels/ch-key-1",
		"https://switchboard.example.com:8443/webhooks/channels/ch-key-1?tenant=a%20b",
	} {
		fields := twilioInbound()
		body := fields.Encode()
		sig := signer.Sign(t, twilioToken, hook, fields)
		r := messaging.WebhookRequest{URL: hook, Body: []byte(body), Header: headers("X-Twilio-Signature", sig)}
		require.NoError(t, d.VerifyWebhook(r, vars, now), hook)

		tampered := twilioInbound()
		tampered.Set("Body", "Hello, send me the refund")
		r.Body = []byte(tampered.Encode())
		require.ErrorIs(t, d.VerifyWebhook(r, vars, now), messaging.ErrBadSignature, "a changed field")

		r.Body = []byte(body)
		r.URL = hook + "&x=1"
		require.ErrorIs(t, d.VerifyWebhook(r, vars, now), messaging.ErrBadSignature, "another URL")

		r.URL = hook
		require.ErrorIs(t, d.VerifyWebhook(r, engine.Vars{"auth_token": "00000000000000000000000000000000"}, now), messaging.ErrBadSignature, "another token")
	}

	// Twilio signs with the URL as configured; the library also accepts it
	// with the default port spelled out, and so does the channel.
	fields := twilioInbound()
	sig := signer.Sign(t, twilioToken, "https://switchboard.example.com:443/webhooks/channels/k", fields)
	r := messaging.WebhookRequest{URL: "https://switchboard.example.com/webhooks/channels/k", Body: []byte(fields.Encode()),
		Header: headers("X-Twilio-Signature", sig)}
	require.NoError(t, d.VerifyWebhook(r, vars, now))

	// A repeated field: distinct values in order, each with the name.
	fields.Add("Tag", "b")
	fields.Add("Tag", "a")
	fields.Add("Tag", "b")
	sig = signer.Sign(t, twilioToken, "https://switchboard.example.com/webhooks/channels/k", fields)
	r = messaging.WebhookRequest{URL: "https://switchboard.example.com/webhooks/channels/k", Body: []byte(fields.Encode()),
		Header: headers("X-Twilio-Signature", sig)}
	require.NoError(t, d.VerifyWebhook(r, vars, now))
	require.Equal(t, sig, messaging.TwilioSignature([]byte(twilioToken), r.URL, fields))
}

func TestTwilioWebhookContent(t *testing.T) {
	d := builtIn(t, "twilio.xml")
	parsed, err := d.Parse([]byte(twilioInbound().Encode()), nil)
	require.NoError(t, err)
	require.Equal(t, []messaging.Inbound{{ProviderID: "SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c", From: "+15558675310", To: "+15017122661",
		Text: "Hello 😀 — ünïcode & 'quotes'", MediaURLs: []string{
			"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
			"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"}}}, parsed.Messages)

	// Twilio's documented inbound fields do not include SmsStatus: a
	// webhook without it is a message all the same.
	bare := twilioInbound()
	bare.Del("SmsStatus")
	parsed, err = d.Parse([]byte(bare.Encode()), nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 1)

	status := url.Values{"SmsSid": {"SMout1"}, "SmsStatus": {"undelivered"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"},
		"To": {"+15558675310"}, "MessageSid": {"SMout1"}, "AccountSid": {"AC1"}, "From": {"+15017122661"}, "ApiVersion": {"2010-04-01"}}
	parsed, err = d.Parse([]byte(status.Encode()), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Messages)
	require.Equal(t, []messaging.Report{{ProviderID: "SMout1", Status: "failed", ProviderText: "undelivered", ErrorCode: "30003"}}, parsed.Reports)

	code, ct, body := d.Answer(engine.Vars{})
	require.Equal(t, 200, code)
	require.Equal(t, "text/xml", ct)
	require.Equal(t, "<Response/>", body, "empty TwiML: no automatic reply")
	require.False(t, d.Rules.KeywordReplies, "Twilio answers the keywords itself on long codes")
	require.True(t, d.Rules.OptOutKeywords)
}

func TestTwilioSend(t *testing.T) {
	d := builtIn(t, "twilio.xml")
	p := newAnswering(t, "application/json")
	c := clientFor(t, d, engine.Vars{"account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": twilioToken, "api_url": p.URL})
	msg := messaging.Outgoing{From: "+15017122661", To: "+15558675310", Text: "Your order shipped & is on its way",
		MediaURLs: []string{"https://switchboard.test/m/1.png", "https://switchboard.test/m/2.png"}}
	p.answer(201, `{"account_sid":"AC0123456789abcdef0123456789abcdef","api_version":"2010-04-01","body":"Your order shipped","direction":"outbound-api","error_code":null,"from":"+15017122661","sid":"SM87105da94bff44b999e4e6eb90d8eb6a","status":"queued","to":"+15558675310"}`)
	id, _, fail := d.Send(context.Background(), c, msg, "https://switchboard.example.com/webhooks/channels/k")
	require.Nil(t, fail)
	require.Equal(t, "SM87105da94bff44b999e4e6eb90d8eb6a", id)
	got := p.take()[0]
	require.Equal(t, "POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", got.Method+" "+got.Path)
	require.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("AC0123456789abcdef0123456789abcdef:"+twilioToken)), got.Header.Get("Authorization"))
	form, err := url.ParseQuery(got.Body)
	require.NoError(t, err)
	require.Equal(t, url.Values{"From": {"+15017122661"}, "To": {"+15558675310"}, "Body": {"Your order shipped & is on its way"},
		"MediaUrl":       {"https://switchboard.test/m/1.png", "https://switchboard.test/m/2.png"},
		"StatusCallback": {"https://switchboard.example.com/webhooks/channels/k"}}, form)

	p.answer(400, `{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`)
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "permanent", fail.Kind)
	require.Equal(t, "Invalid number. (21211: The 'To' number +1555 is not a valid phone number.)", fail.Message)

	p.answer(401, `{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`)
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "auth", fail.Kind)

	p.answer(200, `{"sid":"AC0123456789abcdef0123456789abcdef","status":"active"}`)
	st, reason, _ := d.Verify(context.Background(), c, "+15017122661", "")
	require.Equal(t, messaging.StatusConnected, st, reason)
	require.Equal(t, "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef.json", p.take()[2].Path)
}
