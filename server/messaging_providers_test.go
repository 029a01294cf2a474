package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
)

// WhatsApp Cloud API and Twilio channels end to end, each against a fake of
// the provider's API that checks credentials as the provider does.

const (
	waNumber   = "+15550783881"
	waNumberID = "106540352242922"
	waToken    = "EAAG-system-user-token"
	waSecret   = "meta-app-secret-51c0"
)

// graphAPI is a fake Meta Graph API for one phone number.
func graphAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		if c.Header.Get("Authorization") != "Bearer "+waToken {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"A1"}}`)
			return
		}
		switch {
		case c.Method == "GET" && c.Path == "/v21.0/"+waNumberID:
			fmt.Fprintf(w, `{"display_phone_number":"+1 555-078-3881","id":%q}`, waNumberID)
		case c.Method == "POST" && c.Path == "/v21.0/"+waNumberID+"/messages":
			fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.out%d"}]}`,
				gjson.Get(c.Body, "to").String(), gjson.Get(c.Body, "to").String(), n)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":{"message":"Unknown path","type":"GraphMethodException","code":100}}`)
		}
	})
}

func waMessage(id, from, text string, at time.Time) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":%q}],
"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":%q}}]},"field":"messages"}]}]}`,
		waNumberID, from, from, id, at.Unix(), text)
}

func waStatus(id, status string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},"statuses":[{"id":%q,"status":%q,"timestamp":"1750263773","recipient_id":"16505551234"}]},"field":"messages"}]}]}`,
		waNumberID, id, status)
}

// onBothStores runs a test on SQLite and on PostgreSQL.
func onBothStores(t *testing.T, test func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env)) {
	stores := map[string]func(t *testing.T, mutate ...func(*server.Config)) *env{"sqlite": newEnv, "postgres": newEnvPostgres}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open)
		})
	}
}

func TestWhatsAppConversation(t *testing.T) {
	onBothStores(t, whatsAppConversation)
}

func whatsAppConversation(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
	var offset atomic.Int64 // the service's clock runs ahead by this much
	e := open(t, func(c *server.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		c.Messaging.SweepInterval = 50 * time.Millisecond
	})
	g := graphAPI(t)
	e.extensions("1001", "1002")
	body := map[string]any{"templateId": "builtin_whatsapp_cloud", "name": "WhatsApp",
		"fields": map[string]string{"access_token": waToken, "app_secret": waSecret, "graph_url": g.URL + "/v21.0"},
		"numbers": []map[string]any{{"number": waNumber, "numberId": waNumberID, "destination": map[string]string{"type": "extension", "id": "1001"},
			"allowedExtensions": []string{"1002"}}}}
	r := e.admin("POST", "/api/v1/channels", body)
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), "only answer customers", "WhatsApp numbers allow no agent-started sessions")
	body["numbers"].([]map[string]any)[0]["allowedExtensions"] = []string{}
	body["numbers"].([]map[string]any)[0]["numberId"] = ""
	r = e.admin("POST", "/api/v1/channels", body)
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), "numberId")
	body["numbers"].([]map[string]any)[0]["numberId"] = waNumberID
	ch := e.expect(e.admin("POST", "/api/v1/channels", body), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	require.Equal(t, "messaging", ch["kind"])
	require.Equal(t, 24.0, ch["autoCloseHours"])
	require.Equal(t, 80.0, ch["messagesPerSecond"], "WhatsApp's rate by default")
	hook, verifyToken := ch["webhookUrl"].(string), ch["verifyToken"].(string)
	require.Len(t, verifyToken, 32)

	// Meta's handshake.
	get := func(q url.Values) resp {
		res, err := http.Get(hook + "?" + q.Encode())
		require.NoError(t, err)
		defer res.Body.Close()
		b := make([]byte, 64)
		n, _ := res.Body.Read(b)
		return resp{Status: res.StatusCode, Body: b[:n]}
	}
	r = get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1158201444"}})
	require.Equal(t, 200, r.Status)
	require.Equal(t, "1158201444", string(r.Body))
	require.Equal(t, 403, get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}}).Status)

	agent := e.token("agent", "1001")
	st := e.stream(agent)
	sign := func(b string) []string {
		return []string{"X-Hub-Signature-256", "sha256=" + hmacSHA256Hex(waSecret, b)}
	}
	msg := waMessage("wamid.in1", "16505551234", "Does it come in another color?", time.Now())
	require.Equal(t, 200, e.webhook(hook, "application/json", msg, sign(msg)...).Status)
	created := st.next("session.created", nil)
	require.Equal(t, "+16505551234", created["customer"], "WhatsApp's digits become E.164")
	require.Equal(t, "1001", created["assignee"], "a number routed to an extension needs no take-over")
	sid := created["id"].(string)
	bad := strings.Replace(msg, "another color", "a refund", 1)
	require.Equal(t, 400, e.webhook(hook, "application/json", bad, sign(msg)...).Status)

	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Yes: blue and green."}), 202)
	calls := g.waitSent(t, "POST", "/v21.0/"+waNumberID+"/messages", 1)
	require.Equal(t, "Bearer "+waToken, calls[0].Header.Get("Authorization"))
	require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"preview_url":false,"body":"Yes: blue and green."}}`, calls[0].Body)
	out := e.waitMessage(agent, sid, sent["id"].(string), "sent")
	status := waStatus(out["providerId"].(string), "delivered")
	require.Equal(t, 200, e.webhook(hook, "application/json", status, sign(status)...).Status)
	require.Equal(t, "delivered", st.next("message.status", func(d map[string]any) bool { return d["status"] == "delivered" })["status"])
	status = waStatus(out["providerId"].(string), "read")
	require.Equal(t, 200, e.webhook(hook, "application/json", status, sign(status)...).Status)
	e.waitMessage(agent, sid, sent["id"].(string), "read")

	// WhatsApp only answers: no agent-started sessions.
	r = e.do("POST", "/api/v1/sessions", agent, map[string]string{"channelNumber": waNumber, "to": "+16505550000", "text": "Hello"})
	require.Equal(t, 403, r.Status, string(r.Body))

	// 23 hours on, a reply still goes (and keeps the session from idling);
	// at 25 hours the window since the customer's message is shut, though
	// the session is not idle; a day after the last reply it closes.
	offset.Store(int64(23 * time.Hour))
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Anything else?"}), 202)
	offset.Store(int64(25 * time.Hour))
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Still there?"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "outside_window", errCode(t, r))
	offset.Store(int64(48 * time.Hour))
	closed := st.next("session.updated", func(d map[string]any) bool { return d["state"] == "closed" })
	require.Equal(t, sid, closed["id"])
	tl := e.expect(e.admin("GET", "/api/v1/history/sessions/"+sid+"/timeline", nil), 200)["timeline"].([]any)
	require.Equal(t, map[string]any{"reason": "idle"}, tl[len(tl)-1].(map[string]any)["detail"])
}

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	twilioFrom  = "+15017122661"
)

// twilioAPI is a fake Twilio REST API: Basic auth with the account SID and
// auth token, messages answered with a sid.
func twilioAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		w.Header().Set("Content-Type", "application/json")
		if c.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(twilioSID+":"+twilioToken)) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`)
			return
		}
		switch c.Path {
		case "/2010-04-01/Accounts/" + twilioSID + ".json":
			fmt.Fprintf(w, `{"sid":%q,"status":"active"}`, twilioSID)
		case "/2010-04-01/Accounts/" + twilioSID + "/Messages.json":
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"sid":"SM%032d","status":"queued"}`, n)
		default:
			w.WriteHeader(404)
		}
	})
}

func TestTwilioConversation(t *testing.T) {
	signer := testpeers.StartTwilioSigner(t)
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		twilioConversation(t, open(t), signer)
	})
}

func twilioConversation(t *testing.T, e *env, signer *testpeers.TwilioSigner) {
	tw := twilioAPI(t)
	e.extensions("1001")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_twilio", "name": "Twilio",
		"fields":  map[string]string{"account_sid": twilioSID, "auth_token": twilioToken, "api_url": tw.URL},
		"numbers": []map[string]any{{"number": twilioFrom, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	require.Equal(t, 1.0, ch["messagesPerSecond"], "a long code sends one message per second")
	hook := ch["webhookUrl"].(string)
	agent := e.token("agent", "1001")
	st := e.stream(agent)

	// Twilio's webhook, signed by Twilio's own library over the channel's
	// webhook URL.
	post := func(fields url.Values) resp {
		sig := signer.Sign(t, twilioToken, hook, fields)
		return e.webhook(hook, "application/x-www-form-urlencoded", fields.Encode(), "X-Twilio-Signature", sig)
	}
	inbound := func(sid, body string) url.Values {
		return url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {twilioSID}, "From": {"+15558675310"},
			"To": {twilioFrom}, "Body": {body}, "NumMedia": {"1"}, "MediaUrl0": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"},
			"MediaContentType0": {"image/jpeg"}, "SmsStatus": {"received"}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
	}
	r := post(inbound("SMin1", "Where is my order? 📦"))
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "text/xml", r.Header.Get("Content-Type"))
	require.Equal(t, "<Response/>", string(r.Body), "empty TwiML: Twilio sends nothing back on its own")
	sid := st.next("session.created", nil)["id"].(string)
	in := st.next("message.created", nil)
	require.Equal(t, "Where is my order? 📦", in["text"])
	require.Equal(t, []any{"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"}, in["mediaUrls"])
	unsigned := inbound("SMin2", "forged")
	require.Equal(t, 400, e.webhook(hook, "application/x-www-form-urlencoded", unsigned.Encode()).Status)
	require.Equal(t, 400, e.webhook(hook, "application/x-www-form-urlencoded", unsigned.Encode(),
		"X-Twilio-Signature", signer.Sign(t, twilioToken, hook, inbound("SMin1", "Where is my order? 📦"))).Status)

	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent,
		map[string]any{"text": "On its way & arriving today", "mediaUrls": []string{"https://cdn.acme.test/label.png"}}), 202)
	calls := tw.waitSent(t, "POST", "/2010-04-01/Accounts/"+twilioSID+"/Messages.json", 1)
	form, err := url.ParseQuery(calls[0].Body)
	require.NoError(t, err)
	require.Equal(t, url.Values{"From": {twilioFrom}, "To": {"+15558675310"}, "Body": {"On its way & arriving today"},
		"MediaUrl": {"https://cdn.acme.test/label.png"}, "StatusCallback": {hook}}, form)
	out := e.waitMessage(agent, sid, sent["id"].(string), "sent")

	// The status callback Twilio posts to the StatusCallback.
	r = post(url.Values{"MessageSid": {out["providerId"].(string)}, "SmsSid": {out["providerId"].(string)}, "MessageStatus": {"delivered"},
		"SmsStatus": {"delivered"}, "AccountSid": {twilioSID}, "From": {twilioFrom}, "To": {"+15558675310"}, "ApiVersion": {"2010-04-01"}})
	require.Equal(t, 200, r.Status)
	e.waitMessage(agent, sid, sent["id"].(string), "delivered")

	// STOP: Twilio answers it itself; Switchboard stops agents' messages.
	require.Equal(t, 200, post(inbound("SMstop", "STOP")).Status)
	st.next("message.created", func(d map[string]any) bool { return d["text"] == "STOP" })
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Wait!"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "opted_out", errCode(t, r))
	time.Sleep(200 * time.Millisecond)
	require.Len(t, tw.sent("POST", "/2010-04-01/Accounts/"+twilioSID+"/Messages.json"), 1, "no automatic reply through Twilio")
}
