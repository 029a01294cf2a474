package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// A Bandwidth channel end to end, against a fake of Bandwidth's OAuth2
// token endpoint and Messaging API v2; webhooks as JSON arrays with the
// application's callback credentials.

const (
	bwAccount = "9900000"
	bwApp     = "93de2206-9669-4e07-948d-329f4b722ee2"
	bwNumber  = "+19195551234"
)

func bandwidthAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		w.Header().Set("Content-Type", "application/json")
		if c.Path == "/api/v1/oauth2/token" {
			if c.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("bw-client:bw-secret")) || c.Body != "grant_type=client_credentials" {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
				return
			}
			fmt.Fprint(w, `{"access_token":"bw-token","token_type":"Bearer","expires_in":3600}`)
			return
		}
		if auth := c.Header.Get("Authorization"); auth != "Bearer bw-token" && auth != "Basic "+base64.StdEncoding.EncodeToString([]byte("bw-api-user:bw-api-pass")) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"type":"unauthorized","description":"Authentication failed"}`)
			return
		}
		switch {
		case c.Method == "GET" && c.Path == "/api/v2/users/"+bwAccount+"/media":
			fmt.Fprint(w, `[]`)
		case c.Method == "POST" && c.Path == "/api/v2/users/"+bwAccount+"/messages":
			w.WriteHeader(202)
			fmt.Fprintf(w, `{"id":"1589228074636lm4k2je7j7jkl%04d","owner":%q,"applicationId":%q,"direction":"out","segmentCount":1}`, n, bwNumber, bwApp)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"type":"not-found","description":"no such resource"}`)
		}
	})
}

func TestBandwidthConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		e := open(t)
		bw := bandwidthAPI(t)
		e.extensions("1001")
		ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_bandwidth", "name": "Bandwidth",
			"fields": map[string]string{"account_id": bwAccount, "application_id": bwApp, "client_id": "bw-client", "client_secret": "bw-secret",
				"callback_user": "switchboard", "callback_password": "cb-pass", "api_url": bw.URL, "oauth_url": bw.URL + "/api/v1/oauth2/token"},
			"numbers": []map[string]any{{"number": bwNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
		require.Equal(t, "connected", ch["status"], ch["statusReason"])
		hook := ch["webhookUrl"].(string)
		agent := e.token("agent", "1001")
		st := e.stream(agent)
		creds := func(pass string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte("switchboard:"+pass))
		}

		in := `[{"type":"message-received","time":"2026-11-26T07:41:00.000Z","description":"Incoming message received","to":"` + bwNumber + `",` +
			`"message":{"id":"14762070468292kw2fuqty55yp2b2","time":"2026-11-26T07:41:00.000Z","to":["` + bwNumber + `"],"from":"+19195550123",` +
			`"text":"Can I change the address?","applicationId":"` + bwApp + `","media":[],"owner":"` + bwNumber + `","direction":"in","segmentCount":1}}]`
		require.Equal(t, 400, e.webhook(hook, "application/json; charset=utf-8", in, "Authorization", creds("guess")).Status)
		require.Equal(t, 200, e.webhook(hook, "application/json; charset=utf-8", in, "Authorization", creds("cb-pass")).Status)
		sid := st.next("session.created", nil)["id"].(string)

		sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Yes: reply with the new one."}), 202)
		calls := bw.waitSent(t, "POST", "/api/v2/users/"+bwAccount+"/messages", 1)
		require.JSONEq(t, `{"to":["+19195550123"],"from":"`+bwNumber+`","text":"Yes: reply with the new one.","applicationId":"`+bwApp+`"}`, calls[0].Body)
		out := e.waitMessage(agent, sid, sent["id"].(string), "sent")

		failed := `[{"type":"message-failed","time":"2026-11-26T07:42:00.000Z","description":"forbidden to country","errorCode":4432,"to":"+19195550123",` +
			`"message":{"id":"` + out["providerId"].(string) + `","to":["+19195550123"],"from":"` + bwNumber + `","text":"","direction":"out"}}]`
		require.Equal(t, 200, e.webhook(hook, "application/json; charset=utf-8", failed, "Authorization", creds("cb-pass")).Status)
		e.waitMessage(agent, sid, sent["id"].(string), "failed")
	})
}

// The seed's API user, kept while Bandwidth still takes it: no token is
// asked for, every request is Basic-authenticated.
func TestBandwidthWithAnAPIUser(t *testing.T) {
	e := newEnv(t)
	bw := bandwidthAPI(t)
	e.extensions("1001")
	fields := map[string]string{"account_id": bwAccount, "application_id": bwApp, "api_user": "bw-api-user", "api_password": "bw-api-pass",
		"callback_user": "switchboard", "callback_password": "cb-pass", "api_url": bw.URL, "oauth_url": bw.URL + "/api/v1/oauth2/token"}
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_bandwidth", "name": "Bandwidth (API user)", "fields": fields,
		"numbers": []map[string]any{{"number": bwNumber, "destination": map[string]string{"type": "extension", "id": "1001"}, "allowedExtensions": []string{"1001"}}}}), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	agent := e.token("agent", "1001")
	started := e.expect(e.do("POST", "/api/v1/sessions", agent, map[string]any{"channelNumber": bwNumber, "to": "+19195550123", "text": "Your order shipped."}), 201)
	e.waitMessage(agent, started["session"].(map[string]any)["id"].(string), started["message"].(map[string]any)["id"].(string), "sent")
	require.Empty(t, bw.sent("POST", "/api/v1/oauth2/token"), "no token asked for")

	fields["api_password"] = "wrong"
	bad := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_bandwidth", "name": "Bandwidth (wrong password)", "fields": fields,
		"numbers": []map[string]any{{"number": "+19195551299", "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	require.Equal(t, "unauthorized", bad["status"])
	require.Contains(t, bad["statusReason"], "Authentication failed")
}
