package messaging_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// Bandwidth: a fake of its OAuth2 token endpoint and Messaging API v2 that
// check credentials as Bandwidth does (Basic client credentials for the
// token, the Bearer token for the API), and webhooks in the shapes of its
// "Webhooks" page.

const (
	bwAccount = "9900000"
	bwApp     = "93de2206-9669-4e07-948d-329f4b722ee2"
	bwClient  = "bw-client-7f3a"
	bwSecret  = "bw-secret-51c0e2"
)

type bandwidthFake struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []url.Values // the token requests' forms
	sends  []string     // the send requests' bodies
}

func newBandwidthFake(t *testing.T) *bandwidthFake {
	f := &bandwidthFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.URL.Path == "/api/v1/oauth2/token" {
			form, _ := url.ParseQuery(string(body))
			f.tokens = append(f.tokens, form)
			if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(bwClient+":"+bwSecret)) ||
				form.Get("grant_type") != "client_credentials" {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
				return
			}
			fmt.Fprint(w, `{"access_token":"bw-token-1","token_type":"Bearer","expires_in":3600}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer bw-token-1" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"type":"unauthorized","description":"Authentication failed"}`)
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/api/v2/users/"+bwAccount+"/media":
			fmt.Fprint(w, `[]`)
		case r.Method == "POST" && r.URL.Path == "/api/v2/users/"+bwAccount+"/messages":
			f.sends = append(f.sends, string(body))
			w.WriteHeader(202)
			fmt.Fprintf(w, `{"id":"1589228074636lm4k2je7j7jklbn%d","owner":"+19195551234","applicationId":%q,"time":"2026-11-26T07:40:00.000Z",`+
				`"segmentCount":1,"direction":"out","to":["+19195550123"],"from":"+19195551234","text":"x"}`, len(f.sends), bwApp)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"type":"not-found","description":"no such resource"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func bandwidthFields(f *bandwidthFake, secret string) engine.Vars {
	return engine.Vars{"account_id": bwAccount, "application_id": bwApp, "client_id": bwClient, "client_secret": secret,
		"callback_user": "switchboard", "callback_password": "cb-pass-9d1", "api_url": f.URL, "oauth_url": f.URL + "/api/v1/oauth2/token"}
}

func TestBandwidthSend(t *testing.T) {
	d := builtIn(t, "bandwidth.xml")
	f := newBandwidthFake(t)
	c := clientFor(t, d, bandwidthFields(f, bwSecret))
	st, reason, _ := d.Verify(context.Background(), c, "+19195551234", "")
	require.Equal(t, messaging.StatusConnected, st, reason)
	id, _, fail := d.Send(context.Background(), c, messaging.Outgoing{From: "+19195551234", To: "+19195550123", Text: `Your "order" shipped`,
		MediaURLs: []string{"https://switchboard.test/m/label.png"}}, "")
	require.Nil(t, fail)
	require.Equal(t, "1589228074636lm4k2je7j7jklbn1", id)
	_, _, fail = d.Send(context.Background(), c, messaging.Outgoing{From: "+19195551234", To: "+19195550123", Text: "no media"}, "")
	require.Nil(t, fail)
	f.mu.Lock()
	require.Len(t, f.tokens, 1, "one token serves the check and both sends")
	require.JSONEq(t, `{"to":["+19195550123"],"from":"+19195551234","text":"Your \"order\" shipped","applicationId":"`+bwApp+`","media":["https://switchboard.test/m/label.png"]}`, f.sends[0])
	require.JSONEq(t, `{"to":["+19195550123"],"from":"+19195551234","text":"no media","applicationId":"`+bwApp+`"}`, f.sends[1])
	f.mu.Unlock()

	// Wrong client credentials: the token is refused, the channel is not
	// connected.
	bad := clientFor(t, d, bandwidthFields(f, "wrong"))
	st, _, _ = d.Verify(context.Background(), bad, "+19195551234", "")
	require.NotEqual(t, messaging.StatusConnected, st)
}

func TestBandwidthWebhooks(t *testing.T) {
	d := builtIn(t, "bandwidth.xml")
	vars := engine.Vars{"callback_user": "switchboard", "callback_password": "cb-pass-9d1"}
	in := `[{"type":"message-received","time":"2026-11-26T07:41:00.000Z","description":"Incoming message received","to":"+19195551234",` +
		`"message":{"id":"14762070468292kw2fuqty55yp2b2","time":"2026-11-26T07:41:00.000Z","to":["+19195551234"],"from":"+19195550123",` +
		`"text":"Can I change the address?","applicationId":"` + bwApp + `","media":["https://messaging.bandwidth.com/api/v2/users/9900000/media/14762070468292kw2fuqty55yp2b2/0/photo.jpg"],` +
		`"owner":"+19195551234","direction":"in","segmentCount":1}}]`
	basic := func(user, pass string) http.Header {
		return headers("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	require.NoError(t, d.VerifyWebhook(messaging.WebhookRequest{Body: []byte(in), Header: basic("switchboard", "cb-pass-9d1")}, vars, time.Now()))
	require.ErrorIs(t, d.VerifyWebhook(messaging.WebhookRequest{Body: []byte(in), Header: basic("switchboard", "guess")}, vars, time.Now()), messaging.ErrBadSignature)
	require.ErrorIs(t, d.VerifyWebhook(messaging.WebhookRequest{Body: []byte(in)}, vars, time.Now()), messaging.ErrBadSignature)

	parsed, err := d.Parse([]byte(in), nil)
	require.NoError(t, err)
	require.Empty(t, parsed.Reports)
	require.Len(t, parsed.Messages, 1)
	m := parsed.Messages[0]
	require.Equal(t, []string{"14762070468292kw2fuqty55yp2b2", "+19195550123", "+19195551234", "Can I change the address?"}, []string{m.ProviderID, m.From, m.To, m.Text})
	require.Equal(t, []string{"https://messaging.bandwidth.com/api/v2/users/9900000/media/14762070468292kw2fuqty55yp2b2/0/photo.jpg"}, m.MediaURLs)

	// Without media, and two messages in one delivery, each with its own.
	two := `[{"type":"message-received","to":"+19195551234","message":{"id":"m1","from":"+19195550123","text":"one","media":[]}},` +
		`{"type":"message-received","to":"+19195551234","message":{"id":"m2","from":"+19195550124","text":"two","media":["https://messaging.bandwidth.com/m2/0.jpg","https://messaging.bandwidth.com/m2/1.jpg"]}}]`
	parsed, err = d.Parse([]byte(two), nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 2)
	require.Empty(t, parsed.Messages[0].MediaURLs)
	require.Equal(t, []string{"https://messaging.bandwidth.com/m2/0.jpg", "https://messaging.bandwidth.com/m2/1.jpg"}, parsed.Messages[1].MediaURLs)
	require.Equal(t, "two", parsed.Messages[1].Text)

	status := func(kind, extra string) string {
		return `[{"type":"` + kind + `","time":"2026-11-26T07:42:00.000Z","description":"ok","to":"+19195550123"` + extra + `,` +
			`"message":{"id":"1589228074636lm4k2je7j7jklbn1","time":"2026-11-26T07:40:00.000Z","to":["+19195550123"],"from":"+19195551234","text":"","direction":"out","owner":"+19195551234","segmentCount":1}}]`
	}
	for kind, want := range map[string]messaging.Report{
		"message-sending":   {ProviderID: "1589228074636lm4k2je7j7jklbn1", Status: "sent", ProviderText: "message-sending", ErrorMessage: "ok"},
		"message-delivered": {ProviderID: "1589228074636lm4k2je7j7jklbn1", Status: "delivered", ProviderText: "message-delivered", ErrorMessage: "ok"},
	} {
		parsed, err := d.Parse([]byte(status(kind, "")), nil)
		require.NoError(t, err)
		require.Equal(t, []messaging.Report{want}, parsed.Reports, kind)
	}
	parsed, err = d.Parse([]byte(status("message-failed", `,"errorCode":4432`)), nil)
	require.NoError(t, err)
	require.Equal(t, []messaging.Report{{ProviderID: "1589228074636lm4k2je7j7jklbn1", Status: "failed", ProviderText: "message-failed", ErrorCode: "4432", ErrorMessage: "ok"}}, parsed.Reports)
}
