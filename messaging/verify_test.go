package messaging_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// channelWith is a channel template with the Webhook parameters given.
func channelWith(t *testing.T, webhook string) *messaging.Definition {
	t.Helper()
	src := fmt.Sprintf(`<Information Provider="sms" Name="V" Key="v" AuthType="none">
<Scenarios>
  <Scenario Id="AuthMethod" Type="AUTH"><Parameters>
    <Parameter Father="CustomFieldList" Name="key" Editor="password"/>
    %s
  </Parameters></Scenario>
  <Scenario Id="SendMessage" Type="REST"><Requests><Request Name="send" Method="POST" URLFormat="https://x"><Outputs><Output Name="MessageId" Path="id"/></Outputs></Request></Requests></Scenario>
  <Scenario Id="ReceiveMessage" Type="REST"><Requests><Request Name="m"><Outputs><Output Name="MessageId" Path="id"/><Output Name="From" Path="from"/></Outputs></Request></Requests></Scenario>
</Scenarios></Information>`, webhook)
	et, problems := engine.Load("v.xml", []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	d, err := messaging.Define(et)
	require.NoError(t, err)
	return d
}

const hookBody = `{"id":"m1","from":"+14155550123","text":"hi"}`

func hookRequest(url string, h ...string) messaging.WebhookRequest {
	return messaging.WebhookRequest{URL: url, Header: headers(h...), Body: []byte(hookBody)}
}

func TestVerificationMethods(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	vars := engine.Vars{"key": "the-shared-secret"}

	t.Run("hmac-sha1 base64", func(t *testing.T) {
		d := channelWith(t, `<Parameter Father="Webhook" Name="Verification" Value="hmac-sha1"/>
			<Parameter Father="Webhook" Name="SignatureHeader" Value="X-Hub-Signature"/>
			<Parameter Father="Webhook" Name="SignatureEncoding" Value="base64"/>
			<Parameter Father="Webhook" Name="Secret" Value="{{.key}}"/>`)
		m := hmac.New(sha1.New, []byte("the-shared-secret"))
		m.Write([]byte(hookBody))
		good := base64.StdEncoding.EncodeToString(m.Sum(nil))
		require.NoError(t, d.VerifyWebhook(hookRequest("https://s/w", "X-Hub-Signature", good), vars, now))
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w", "X-Hub-Signature", hex.EncodeToString(m.Sum(nil))), vars, now), messaging.ErrBadSignature)
	})

	t.Run("ed25519 with a timestamp", func(t *testing.T) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		d := channelWith(t, `<Parameter Father="Webhook" Name="Verification" Value="ed25519"/>
			<Parameter Father="Webhook" Name="SignatureHeader" Value="telnyx-signature-ed25519"/>
			<Parameter Father="Webhook" Name="TimestampHeader" Value="telnyx-timestamp"/>
			<Parameter Father="Webhook" Name="MaxAgeSeconds" Value="300"/>
			<Parameter Father="Webhook" Name="Secret" Value="{{.key}}"/>`)
		keyVars := engine.Vars{"key": base64.StdEncoding.EncodeToString(pub)}
		sign := func(at time.Time, body string) []string {
			ts := strconv.FormatInt(at.Unix(), 10)
			sig := ed25519.Sign(priv, []byte(ts+"|"+body))
			return []string{"telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(sig), "telnyx-timestamp", ts}
		}
		require.NoError(t, d.VerifyWebhook(hookRequest("https://s/w", sign(now, hookBody)...), keyVars, now))
		err = d.VerifyWebhook(hookRequest("https://s/w", sign(now.Add(-10*time.Minute), hookBody)...), keyVars, now)
		require.ErrorIs(t, err, messaging.ErrBadSignature)
		require.ErrorContains(t, err, "old", "a replayed webhook is refused")
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w", sign(now, `{"id":"other"}`)...), keyVars, now), messaging.ErrBadSignature)
		otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w", sign(now, hookBody)...),
			engine.Vars{"key": base64.StdEncoding.EncodeToString(otherPub)}, now), messaging.ErrBadSignature)
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w"), keyVars, now), messaging.ErrBadSignature, "no signature")
	})

	t.Run("basic", func(t *testing.T) {
		d := channelWith(t, `<Parameter Father="Webhook" Name="Verification" Value="basic"/>
			<Parameter Father="Webhook" Name="Username" Value="provider"/>
			<Parameter Father="Webhook" Name="Password" Value="{{.key}}"/>`)
		req := func(user, pass string) messaging.WebhookRequest {
			r, _ := http.NewRequest("POST", "https://s/w", nil)
			r.SetBasicAuth(user, pass)
			return messaging.WebhookRequest{URL: "https://s/w", Header: r.Header, Body: []byte(hookBody)}
		}
		require.NoError(t, d.VerifyWebhook(req("provider", "the-shared-secret"), vars, now))
		require.ErrorIs(t, d.VerifyWebhook(req("provider", "guess"), vars, now), messaging.ErrBadSignature)
		require.ErrorIs(t, d.VerifyWebhook(req("someone", "the-shared-secret"), vars, now), messaging.ErrBadSignature)
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w"), vars, now), messaging.ErrBadSignature)
	})

	t.Run("token in the URL", func(t *testing.T) {
		d := channelWith(t, `<Parameter Father="Webhook" Name="Verification" Value="token"/>
			<Parameter Father="Webhook" Name="TokenParam" Value="auth"/>
			<Parameter Father="Webhook" Name="Token" Value="{{.key}}"/>`)
		require.NoError(t, d.VerifyWebhook(hookRequest("https://s/w?auth=the-shared-secret"), vars, now))
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w?auth=the-shared"), vars, now), messaging.ErrBadSignature)
		require.ErrorIs(t, d.VerifyWebhook(hookRequest("https://s/w"), vars, now), messaging.ErrBadSignature)
	})

	t.Run("none", func(t *testing.T) {
		d := channelWith(t, `<Parameter Father="Webhook" Name="Verification" Value="none"/>`)
		require.NoError(t, d.VerifyWebhook(hookRequest("https://s/w"), engine.Vars{}, now))
		parsed, err := d.Parse([]byte(hookBody), nil)
		require.NoError(t, err)
		require.Equal(t, "+14155550123", parsed.Messages[0].From)
	})
}

func TestAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"16505551234": "+16505551234", "+1 (650) 555-1234": "+16505551234", "whatsapp:+16505551234": "+16505551234",
		"WhatsApp:16505551234": "+16505551234", "ann@example.com": "ann@example.com", " 12 ": "12", "": "",
	} {
		require.Equal(t, want, messaging.NormalizeAddress(in), "%q", in)
	}
	require.True(t, messaging.SameNumber("+1 415 555 0100", "14155550100"))
	require.False(t, messaging.SameNumber("", ""))
	require.NoError(t, messaging.CheckE164("+14155550100"))
	for _, bad := range []string{"4155550100", "+1415555010099999", "+1-415-555-0100", "+abc"} {
		require.Error(t, messaging.CheckE164(bad), bad)
	}
}

// Webhook bodies come from outside: whatever they hold, reading them gives
// messages with an id and a sender, or an error, never a panic.
func FuzzWebhookParse(f *testing.F) {
	f.Add([]byte(genericWebhook), []byte("MessageSid=SM1&From=%2B1&To=%2B2&Body=hi&MediaUrl0=x"))
	f.Add([]byte(waMessage), []byte("MessageStatus=delivered&MessageSid=SM1"))
	f.Add([]byte(`{"data":{"event_type":"message.received","payload":{"id":1,"from":{"phone_number":[]}}}}`), []byte("%zz"))
	defs := map[string]*messaging.Definition{}
	f.Fuzz(func(t *testing.T, jsonBody, formBody []byte) {
		for _, file := range []string{"sms_generic.xml", "whatsapp_cloud.xml", "twilio.xml"} {
			d := defs[file]
			if d == nil {
				d = builtIn(t, file)
				defs[file] = d
			}
			body := jsonBody
			if file == "twilio.xml" {
				body = formBody
			}
			parsed, err := d.Parse(body, nil)
			if err != nil {
				continue
			}
			for _, m := range parsed.Messages {
				if m.ProviderID == "" || m.From == "" {
					t.Fatalf("%s: a message without an id or a sender: %+v", file, m)
				}
			}
			for _, r := range parsed.Reports {
				if r.ProviderID == "" || r.Status == "" {
					t.Fatalf("%s: a report without an id or a status: %+v", file, r)
				}
			}
		}
	})
}
