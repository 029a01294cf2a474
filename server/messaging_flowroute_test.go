package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/server"
)

// A Flowroute channel end to end, against a fake of Flowroute's Messages
// API v2.1 that checks the keys as Flowroute does. Flowroute signs no
// webhook: the channel's webhook URL carries its token, and so does every
// message's dlr_callback.

const (
	flowrouteAccess = "12345678"
	flowrouteSecret = "m8axLA45yds7kmiC88aOQ9d5caADg6vr"
	flowrouteNumber = "+12065551234"
)

func flowrouteAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		if c.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(flowrouteAccess+":"+flowrouteSecret)) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"detail":"Authentication credentials were not provided or are invalid.","id":"4ae8","status":401,"title":"Unauthorized"}]}`)
			return
		}
		switch {
		case c.Method == "GET" && c.Path == "/v2/numbers":
			fmt.Fprint(w, `{"data":[{"attributes":{"value":"12065551234"},"id":"12065551234","type":"number"}]}`)
		case c.Method == "POST" && c.Path == "/v2.1/messages" && c.Header.Get("Content-Type") == "application/vnd.api+json" &&
			!strings.HasPrefix(gjson.Get(c.Body, "to").String(), "+"):
			w.WriteHeader(202)
			fmt.Fprintf(w, `{"data":{"id":"mdr2-%032d","links":{"self":"https://api.flowroute.com/v2.1/messages/mdr2-%032d"},"type":"message"}}`, n, n)
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":[{"detail":"bad request","id":"x","status":400,"title":"Bad Request"}]}`)
		}
	})
}

func TestFlowrouteConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		flowrouteConversation(t, open(t))
	})
}

func flowrouteConversation(t *testing.T, e *env) {
	fr := flowrouteAPI(t)
	e.extensions("1001")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_flowroute", "name": "Flowroute",
		"fields":  map[string]string{"access_key": flowrouteAccess, "secret_key": flowrouteSecret, "api_url": fr.URL},
		"numbers": []map[string]any{{"number": flowrouteNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	require.Equal(t, 5.0, ch["messagesPerSecond"], "Flowroute takes 5 messages a second")
	hook := ch["webhookUrl"].(string)
	u, err := url.Parse(hook)
	require.NoError(t, err)
	require.Equal(t, ch["verifyToken"], u.Query().Get("token"), "the webhook URL the admin pastes into Flowroute carries the channel's token")
	bare := strings.SplitN(hook, "?", 2)[0]
	agent := e.token("agent", "1001")
	st := e.stream(agent)

	in := `{"data":{"attributes":{"body":"Where is my order?","direction":"inbound","from":"12065550100","is_mms":false,"message_type":"longcode",` +
		`"timestamp":"2026-11-26T07:03:48.53Z","to":"12065551234"},"id":"mdr2-39cadeace66e11e7aff806cd7f24ba2d","type":"message"}}`
	require.Equal(t, 400, e.webhook(bare, "application/json", in).Status, "without the token")
	require.Equal(t, 400, e.webhook(bare+"?token=guess", "application/json", in).Status, "with a wrong token")
	require.Equal(t, 200, e.webhook(hook, "application/json", in).Status)
	created := st.next("session.created", nil)
	require.Equal(t, "+12065550100", created["customer"], "Flowroute's 11 digits become E.164")
	sid := created["id"].(string)

	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Shipped today"}), 202)
	calls := fr.waitSent(t, "POST", "/v2.1/messages", 1)
	require.JSONEq(t, `{"to":"12065550100","from":"12065551234","body":"Shipped today","dlr_callback":"`+hook+`"}`, calls[0].Body)
	out := e.waitMessage(agent, sid, sent["id"].(string), "sent")

	dlr := fmt.Sprintf(`{"data":{"attributes":{"body":"Shipped today","level":2,"status":"delivered","status_code":"1000","status_code_description":"Message delivered to handset",`+
		`"timestamp":"2026-11-26T07:04:00.00Z"},"id":%q,"type":"delivery_receipt"}}`, out["providerId"])
	require.Equal(t, 400, e.webhook(bare, "application/json", dlr).Status)
	require.Equal(t, 200, e.webhook(hook, "application/json", dlr).Status)
	e.waitMessage(agent, sid, sent["id"].(string), "delivered")
}
