package messaging_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/messaging"
)

// Telnyx's webhooks are signed here with a fresh Ed25519 key, and every
// verdict of the channel is held to the verdict of Telnyx's own Node
// library on the same body and headers.

// telnyxInbound is a message.received webhook in the shape of Telnyx's
// "Receiving Webhooks for Messaging".
func telnyxInbound(id, from, to, text string, media ...string) string {
	urls := make([]string, len(media))
	for i, u := range media {
		urls[i] = fmt.Sprintf(`{"content_type":"image/jpeg","hash_sha256":"c4f1","size":2048,"url":%q}`, u)
	}
	return fmt.Sprintf(`{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2026-11-26T06:16:07.588+00:00",`+
		`"payload":{"cc":[],"completed_at":null,"cost":null,"direction":"inbound","encoding":"GSM-7","errors":[],`+
		`"from":{"carrier":"T-Mobile USA","line_type":"long_code","phone_number":%q,"status":"webhook_delivered"},`+
		`"id":%q,"media":[%s],"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","organization_id":"47a530f8-4362-4526-829b-bcee17fd9f7a",`+
		`"parts":1,"received_at":"2026-11-26T06:16:07.503+00:00","record_type":"message","sent_at":null,"tags":[],"text":%q,`+
		`"to":[{"carrier":"Telnyx","line_type":"Wireless","phone_number":%q,"status":"webhook_delivered"}],"type":"SMS","valid_until":null,`+
		`"webhook_failover_url":null,"webhook_url":"https://switchboard.example.com/webhooks/channels/k"},"record_type":"event"},`+
		`"meta":{"attempt":1,"delivered_to":"https://switchboard.example.com/webhooks/channels/k"}}`,
		from, id, strings.Join(urls, ","), text, to)
}

// telnyxStatus is a delivery update (message.sent or message.finalized)
// of an outbound message; errs are the payload's errors[] entries.
func telnyxStatus(event, id, status string, errs ...string) string {
	return fmt.Sprintf(`{"data":{"event_type":%q,"id":"4ee8c3a6-4995-4309-a3c6-38e3db9ea4be","occurred_at":"2026-11-26T06:17:00.000+00:00",`+
		`"payload":{"completed_at":"2026-11-26T06:17:00.000+00:00","cost":{"amount":"0.0040","currency":"USD"},"direction":"outbound","encoding":"GSM-7",`+
		`"errors":[%s],"from":{"carrier":"Telnyx","line_type":"Wireless","phone_number":"+18445550001"},"id":%q,"media":[],`+
		`"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","parts":1,"record_type":"message","text":"On its way",`+
		`"to":[{"carrier":"T-MOBILE USA, INC.","line_type":"Wireless","phone_number":"+13125550001","status":%q}],"type":"SMS"},"record_type":"event"},`+
		`"meta":{"attempt":1,"delivered_to":"https://switchboard.example.com/webhooks/channels/k"}}`,
		event, strings.Join(errs, ","), id, status)
}

// telnyxKey is a fresh Ed25519 key pair, the public half in base64 as the
// Telnyx portal shows it.
func telnyxKey(t *testing.T) (string, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(pub), priv
}

// telnyxSign returns the headers Telnyx sends with a body at a time.
func telnyxSign(priv ed25519.PrivateKey, body string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	sig := ed25519.Sign(priv, []byte(ts+"|"+body))
	return headers("Telnyx-Signature-Ed25519", base64.StdEncoding.EncodeToString(sig), "Telnyx-Timestamp", ts, "Content-Type", "application/json")
}

func TestTelnyxWebhookSignatures(t *testing.T) {
	oracle := testpeers.StartTelnyxVerifier(t)
	d := builtIn(t, "telnyx.xml")
	pub, priv := telnyxKey(t)
	otherPub, _ := telnyxKey(t)
	vars := engine.Vars{"public_key": pub}
	body := telnyxInbound("84cca175-9755-4859-b67f-4730d7f58aa3", "+13125550001", "+17735550002", "Hello 😀 — ünïcode & \"quotes\"")
	now := time.Now()

	for _, c := range []struct {
		name   string
		key    string
		body   string
		header http.Header
		valid  bool
	}{
		{"signed", pub, body, telnyxSign(priv, body, now), true},
		{"a minute old", pub, body, telnyxSign(priv, body, now.Add(-time.Minute)), true},
		{"tampered body", pub, strings.Replace(body, "Hello", "Refund me", 1), telnyxSign(priv, body, now), false},
		{"another account's key", otherPub, body, telnyxSign(priv, body, now), false},
		{"ten minutes old", pub, body, telnyxSign(priv, body, now.Add(-10*time.Minute)), false},
		{"another timestamp", pub, body, func() http.Header {
			h := telnyxSign(priv, body, now)
			h.Set("Telnyx-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return h
		}(), false},
		{"unsigned", pub, body, headers("Content-Type", "application/json"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			valid, why := oracle.Verify(t, c.key, []byte(c.body), c.header)
			require.Equal(t, c.valid, valid, "Telnyx's library: %s", why)
			err := d.VerifyWebhook(messaging.WebhookRequest{URL: "https://switchboard.example.com/webhooks/channels/k", Header: c.header, Body: []byte(c.body)},
				engine.Vars{"public_key": c.key}, now)
			if c.valid {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, messaging.ErrBadSignature)
			}
		})
	}
	err := d.VerifyWebhook(messaging.WebhookRequest{Header: telnyxSign(priv, body, now), Body: []byte(body)}, engine.Vars{"public_key": "not a key"}, now)
	require.ErrorContains(t, err, "not a base64 Ed25519 key", "a mistyped Public Key says so")
	require.NoError(t, d.VerifyWebhook(messaging.WebhookRequest{Header: telnyxSign(priv, body, now), Body: []byte(body)}, vars, now))
}

func TestTelnyxWebhookContent(t *testing.T) {
	d := builtIn(t, "telnyx.xml")
	parsed, err := d.Parse([]byte(telnyxInbound("84cca175", "+13125550001", "+17735550002", "Photo of the box", "https://media.telnyx.test/a.jpg", "https://media.telnyx.test/b.jpg")), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Reports)
	require.Len(t, parsed.Messages, 1)
	m := parsed.Messages[0]
	require.Equal(t, messaging.Inbound{ProviderID: "84cca175", From: "+13125550001", To: "+17735550002", Text: "Photo of the box",
		MediaURLs: []string{"https://media.telnyx.test/a.jpg", "https://media.telnyx.test/b.jpg"}, ReceivedAt: m.ReceivedAt}, m)
	require.Equal(t, time.Date(2026, 11, 26, 6, 16, 7, 503e6, time.UTC), m.ReceivedAt)

	for _, c := range []struct {
		body string
		want messaging.Report
	}{
		{telnyxStatus("message.sent", "40385f64", "sent"), messaging.Report{ProviderID: "40385f64", Status: "sent", ProviderText: "sent"}},
		{telnyxStatus("message.finalized", "40385f64", "delivered"), messaging.Report{ProviderID: "40385f64", Status: "delivered", ProviderText: "delivered"}},
		{telnyxStatus("message.finalized", "40385f64", "delivery_failed", `{"code":"40001","title":"Not routable","detail":"The destination number is either a landline or a non-routable wireless number."}`),
			messaging.Report{ProviderID: "40385f64", Status: "failed", ProviderText: "delivery_failed", ErrorCode: "40001", ErrorMessage: "Not routable"}},
		{telnyxStatus("message.finalized", "40385f64", "sending_failed", `{"code":"40300","title":"Blocked due to STOP message"}`),
			messaging.Report{ProviderID: "40385f64", Status: "failed", ProviderText: "sending_failed", ErrorCode: "40300", ErrorMessage: "Blocked due to STOP message"}},
	} {
		parsed, err := d.Parse([]byte(c.body), nil)
		require.NoError(t, err)
		require.Empty(t, parsed.Messages)
		require.Equal(t, []messaging.Report{c.want}, parsed.Reports)
	}

	// Other events of a messaging profile are acknowledged and dropped.
	parsed, err = d.Parse([]byte(`{"data":{"event_type":"message.queued","payload":{"id":"x","to":[{"status":"queued"}]}}}`), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Messages)
	require.Empty(t, parsed.Reports)

	code, _, _ := d.Answer(engine.Vars{})
	require.Equal(t, 200, code)
	require.False(t, d.Rules.KeywordReplies, "Telnyx answers the opt-out keywords itself")
	require.True(t, d.Rules.OptOutKeywords)
}

func TestTelnyxSend(t *testing.T) {
	d := builtIn(t, "telnyx.xml")
	p := newAnswering(t, "application/json")
	pub, _ := telnyxKey(t)
	c := clientFor(t, d, engine.Vars{"api_key": "KEY0123456789ABCDEF", "public_key": pub, "api_url": p.URL})
	msg := messaging.Outgoing{From: "+18445550001", To: "+13125550001", Text: "Your order \"A-1\" shipped & is on its way",
		MediaURLs: []string{"https://switchboard.test/m/1.png"}}
	p.answer(200, `{"data":{"record_type":"message","direction":"outbound","id":"40385f64-5717-4562-b3fc-2c963f66afa6","type":"MMS",`+
		`"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","from":{"phone_number":"+18445550001","carrier":"Telnyx","line_type":"Wireless"},`+
		`"to":[{"phone_number":"+13125550001","status":"queued","carrier":"T-MOBILE USA, INC.","line_type":"Wireless"}],"text":"Your order","media":[],"encoding":"GSM-7","parts":1}}`)
	id, _, fail := d.Send(context.Background(), c, msg, "https://switchboard.example.com/webhooks/channels/k")
	require.Nil(t, fail)
	require.Equal(t, "40385f64-5717-4562-b3fc-2c963f66afa6", id)
	got := p.take()[0]
	require.Equal(t, "POST /v2/messages", got.Method+" "+got.Path)
	require.Equal(t, "Bearer KEY0123456789ABCDEF", got.Header.Get("Authorization"))
	require.Equal(t, "application/json", got.Header.Get("Content-Type"))
	require.JSONEq(t, `{"from":"+18445550001","to":"+13125550001","text":"Your order \"A-1\" shipped & is on its way",
		"media_urls":["https://switchboard.test/m/1.png"],"webhook_url":"https://switchboard.example.com/webhooks/channels/k"}`, got.Body)

	p.answer(409, `{"errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"Messages cannot be sent from +18445550001 to +13125550001 due to an existing block rule."}]}`)
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "permanent", fail.Kind)
	require.Equal(t, "The customer has opted out (replied STOP); Telnyx blocks messages to them until they opt in again. "+
		"(40300: Messages cannot be sent from +18445550001 to +13125550001 due to an existing block rule.)", fail.Message)

	p.answer(401, `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The API key looks malformed. Check that you copied it correctly."}]}`)
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "auth", fail.Kind)

	p.answer(429, `{"errors":[{"code":"10011","title":"Too many requests","detail":"You have exceeded the maximum number of allowed requests."}]}`)
	_, _, fail = d.Send(context.Background(), c, msg, "")
	require.Equal(t, "temporary", fail.Kind)

	p.take()
	p.answer(200, `{"data":[{"id":"740572b6-099c-44a1-89b9-6c92163bc68d","name":"Switchboard","record_type":"messaging_profile"}],"meta":{"page_number":1,"page_size":1}}`)
	st, reason, _ := d.Verify(context.Background(), c, "+18445550001", "")
	require.Equal(t, messaging.StatusConnected, st, reason)
	v := p.take()[0]
	require.Equal(t, "GET /v2/messaging_profiles page%5Bsize%5D=1", v.Method+" "+v.Path+" "+v.Query)

	p.answer(401, `{"errors":[{"code":"10009","title":"Authentication failed"}]}`)
	st, _, _ = d.Verify(context.Background(), c, "+18445550001", "")
	require.Equal(t, messaging.StatusUnauthorized, st)
}
