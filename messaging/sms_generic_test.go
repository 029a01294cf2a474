package messaging_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// The generic SMS API contract (seeds/000), checked request by request
// against a provider that behaves as the chapter says, and each of the
// chapter's failure rules.

// genericWebhook is the chapter's inbound example, as valid JSON.
const genericWebhook = `{
  "data": {
    "event_type": "message.received",
    "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
    "occurred_at": "2019-12-09T20:16:07.588+00:00",
    "payload": {
      "direction": "inbound",
      "encoding": "GSM-7",
      "errors": [],
      "from": {"carrier": "T-Mobile USA", "line_type": "long_code", "phone_number": "+8618012121222", "status": "webhook_delivered"},
      "id": "84cca175-9755-4859-b67f-4730d7f58aa3",
      "media": [{"content_type": null, "sha256": null, "size": null,
                 "url": "https://pbs.twimg.com/profile_images/1142168442042118144/AW3F4fFD_400x400.png"}],
      "parts": 1,
      "received_at": "2019-12-09T20:16:07.503+00:00",
      "record_type": "message",
      "text": "Hello from PBX!",
      "to": [{"carrier": "PBX", "line_type": "Wireless", "phone_number": "+8618012121223", "status": "webhook_delivered"}],
      "type": "SMS/MMS"
    },
    "record_type": "event"
  },
  "meta": {"attempt": 1, "delivered_to": "http://webhook.site/04bbd2e3"}
}`

var genericFields = func(base string) engine.Vars {
	return engine.Vars{"api_key": "key-ABC-123", "secret": "whsec-0123456789", "send_url": base + "/sendmessage", "verify_url": base + "/verify"}
}

func TestGenericSMSVerify(t *testing.T) {
	d := builtIn(t, "sms_generic.xml")
	var mode string
	p := newProvider(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		challenge := r.URL.Query().Get("challenge")
		switch mode {
		case "echo":
			fmt.Fprint(w, challenge)
		case "json-echo":
			json.NewEncoder(w).Encode(challenge)
		case "wrong":
			fmt.Fprint(w, "mAWpGnyeTZgguOPYlWitGPlRJYIhoLMY")
		case "401", "403", "404":
			var code int
			fmt.Sscan(mode, &code)
			w.WriteHeader(code)
			fmt.Fprint(w, `{"errors":[{"code":"10004","title":"Authentication failed","detail":"No key found matching the ID with the provided secret."}]}`)
		case "500":
			w.WriteHeader(500)
		case "418-error":
			w.WriteHeader(418)
			fmt.Fprint(w, `{"errors":[{"code":"10007","title":"Service unavailable","detail":"maintenance"}]}`)
		case "418-empty":
			w.WriteHeader(418)
		case "418-html":
			w.WriteHeader(418)
			fmt.Fprint(w, "<html>teapot</html>")
		}
	})
	c := clientFor(t, d, genericFields(p.URL))
	for _, tc := range []struct{ mode, status, reason string }{
		{"echo", messaging.StatusConnected, ""},
		{"json-echo", messaging.StatusConnected, ""},
		{"wrong", messaging.StatusUnauthorized, "did not echo the challenge"},
		{"401", messaging.StatusUnauthorized, "Authentication failed. (10004: No key found"},
		{"403", messaging.StatusUnauthorized, "10004"},
		{"404", messaging.StatusUnauthorized, "10004"},
		{"500", messaging.StatusServiceUnavailable, "HTTP 500"},
		{"418-error", messaging.StatusUnknown, "The provider's service is unavailable. (10007: maintenance)"},
		{"418-empty", messaging.StatusRequestFailed, "HTTP 418 without an error"},
		{"418-html", messaging.StatusRequestFailed, "HTTP 418 without an error"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mode = tc.mode
			status, reason, res := d.Verify(context.Background(), c, "+8618012121223", "")
			require.Equal(t, tc.status, status, reason)
			require.Contains(t, reason, tc.reason)
			got := p.take()
			require.NotEmpty(t, got)
			require.Equal(t, "GET", got[0].Method)
			require.Equal(t, "/verify", got[0].Path)
			require.Equal(t, "Bearer key-ABC-123", got[0].Header.Get("Authorization"))
			require.Regexp(t, `^challenge=[A-Za-z]{32}$`, got[0].Query, "a random challenge of 32 letters")
			require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"], "the key never shows in a trace")
		})
	}
	t.Run("no answer", func(t *testing.T) {
		c := clientFor(t, d, genericFields("http://127.0.0.1:1"))
		status, reason, _ := d.Verify(context.Background(), c, "+8618012121223", "")
		require.Equal(t, messaging.StatusRequestFailed, status)
		require.Contains(t, reason, "no answer")
	})
}

func TestGenericSMSSend(t *testing.T) {
	d := builtIn(t, "sms_generic.xml")
	var status int
	var answer string
	p := newProvider(t, func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
	})
	c := clientFor(t, d, genericFields(p.URL))
	msg := messaging.Outgoing{From: "+8618012121222", To: "+8618012121223", Text: `Hello, "World"!`}

	status, answer = 200, `{"data":{"id":"b301ed3f-1490-491f-995f-6e64e69674d4","to":[{"phone_number":"+8618012121223","status":"queued"}]}}`
	id, _, fail := d.Send(context.Background(), c, msg, "")
	require.Nil(t, fail)
	require.Equal(t, "b301ed3f-1490-491f-995f-6e64e69674d4", id)
	got := p.take()
	require.Len(t, got, 1)
	require.Equal(t, "POST /sendmessage", got[0].Method+" "+got[0].Path)
	require.Equal(t, "application/json", got[0].Header.Get("Content-Type"))
	require.Equal(t, "Bearer key-ABC-123", got[0].Header.Get("Authorization"))
	require.JSONEq(t, `{"from":"+8618012121222","to":"+8618012121223","text":"Hello, \"World\"!","media_urls":[]}`, got[0].Body)

	// MMS: the media URLs go in media_urls.
	mms := msg
	mms.MediaURLs = []string{"https://switchboard.test/media/1.png"}
	_, _, fail = d.Send(context.Background(), c, mms, "")
	require.Nil(t, fail)
	require.Equal(t, []any{"https://switchboard.test/media/1.png"}, gjson.Get(p.take()[0].Body, "media_urls").Value())

	for _, tc := range []struct {
		status       int
		answer, kind string
		message      string
	}{
		{400, `{"errors":[{"code":"10001","title":"Invalid 'to' address","detail":"The 'to' address should be a single valid number."}]}`,
			"permanent", "Invalid number. (10001: The 'to' address should be a single valid number.)"},
		{400, `{"errors":[{"code":"10002","title":"Bad","detail":"text too long"}]}`, "permanent", "Invalid parameter. (10002: text too long)"},
		{400, `{"errors":[{"code":"10003","title":"MMS","detail":"no MMS"}]}`, "permanent", "cannot send this type of message (MMS)"},
		{400, `{"errors":[{"code":"10004","title":"Auth","detail":"bad key"}]}`, "auth", "Authentication failed. (10004: bad key)"},
		{400, `{"errors":[{"code":"10005","title":"Auth","detail":"forbidden"}]}`, "auth", "no permission"},
		{400, `{"errors":[{"code":"10006","title":"Slow down","detail":"rate"}]}`, "temporary", "Too many requests"},
		{400, `{"errors":[{"code":"10007","title":"Down","detail":"maintenance"}]}`, "temporary", "service is unavailable"},
		{400, `{"errors":[{"code":"10008","title":"Big","detail":"50 MB"}]}`, "permanent", "larger than the provider allows"},
		{401, ``, "auth", "Authentication failed."},
		{403, ``, "permanent", "The provider's service is unavailable."},
		{404, `{"message":"no such route"}`, "permanent", "Sending failed: the provider's send API was not found."},
		{400, `{"errors":[{"code":"99","title":"Other","detail":"odd"}]}`, "permanent", "the provider answered HTTP 400 Bad Request (99: odd)"},
		{400, `not json`, "permanent", "the provider answered HTTP 400 Bad Request"},
		{503, ``, "temporary", "HTTP 503"},
		{200, `{"data":{}}`, "permanent", "the provider's answer has no message id"},
	} {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.message), func(t *testing.T) {
			status, answer = tc.status, tc.answer
			_, _, fail := d.Send(context.Background(), c, msg, "")
			require.NotNil(t, fail)
			require.Equal(t, tc.kind, fail.Kind)
			require.Contains(t, fail.Message, tc.message)
			p.take()
		})
	}
}

func TestGenericSMSWebhook(t *testing.T) {
	d := builtIn(t, "sms_generic.xml")
	vars := engine.Vars{"secret": "whsec-0123456789"}
	now := time.Now()
	sign := func(body string) http.Header {
		return headers("Content-Type", "application/json", "X-Signature-256", "sha256="+hmacHex("whsec-0123456789", body))
	}
	req := func(body string, h http.Header) messaging.WebhookRequest {
		return messaging.WebhookRequest{URL: "https://switchboard.test/webhooks/channels/k", Header: h, Body: []byte(body)}
	}

	require.NoError(t, d.VerifyWebhook(req(genericWebhook, sign(genericWebhook)), vars, now))
	parsed, err := d.Parse([]byte(genericWebhook), nil)
	require.NoError(t, err)
	require.Equal(t, []messaging.Inbound{{
		ProviderID: "84cca175-9755-4859-b67f-4730d7f58aa3", From: "+8618012121222", To: "+8618012121223",
		Text: "Hello from PBX!", MediaURLs: []string{"https://pbs.twimg.com/profile_images/1142168442042118144/AW3F4fFD_400x400.png"},
		ReceivedAt: time.Date(2019, 12, 9, 20, 16, 7, 503e6, time.UTC),
	}}, parsed.Messages)
	status, _, body := d.Answer(vars)
	require.Equal(t, 204, status, "the chapter answers a good webhook with 204")
	require.Empty(t, body)

	bad := []struct {
		name string
		r    messaging.WebhookRequest
	}{
		{"tampered body", req(strings.Replace(genericWebhook, "Hello", "Hullo", 1), sign(genericWebhook))},
		{"wrong secret", req(genericWebhook, headers("X-Signature-256", "sha256="+hmacHex("another-secret", genericWebhook)))},
		{"upper-case hex", req(genericWebhook, headers("X-Signature-256", "sha256="+strings.ToUpper(hmacHex("whsec-0123456789", genericWebhook))))},
		{"no prefix", req(genericWebhook, headers("X-Signature-256", hmacHex("whsec-0123456789", genericWebhook)))},
		{"no header", req(genericWebhook, headers())},
	}
	for _, b := range bad {
		err := d.VerifyWebhook(b.r, vars, now)
		require.True(t, errors.Is(err, messaging.ErrBadSignature), "%s: %v", b.name, err)
	}
	require.ErrorContains(t, d.VerifyWebhook(req(genericWebhook, sign(genericWebhook)), engine.Vars{}, now), "no secret",
		"a channel without its secret accepts nothing")

	// Other events are taken and dropped; a body that is not JSON is an error.
	other := strings.Replace(genericWebhook, "message.received", "message.finalized", 1)
	parsed, err = d.Parse([]byte(other), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Messages)
	_, err = d.Parse([]byte("event=message.received"), nil)
	require.ErrorContains(t, err, "not JSON")
}

func TestKeywords(t *testing.T) {
	for text, want := range map[string]messaging.Keyword{
		"STOP": messaging.OptOut, " stop ": messaging.OptOut, "Stop.": messaging.OptOut, "unsubscribe": messaging.OptOut,
		"Stop all": messaging.OptOut, "opt-out": messaging.OptOut, "QUIT!": messaging.OptOut, "cancel": messaging.OptOut,
		"START": messaging.OptIn, "unstop": messaging.OptIn, "HELP": messaging.Help, "info?": messaging.Help,
		"please stop calling": messaging.NoKeyword, "help me with my order": messaging.NoKeyword, "": messaging.NoKeyword,
	} {
		require.Equal(t, want, messaging.ClassifyKeyword(text), "%q", text)
	}
	r := messaging.KeywordReplies{Help: "Call 555-0100 for help."}
	require.Equal(t, "Call 555-0100 for help.", r.Reply(messaging.Help))
	require.Equal(t, messaging.DefaultOptOutReply, r.Reply(messaging.OptOut))
}
