package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// VoIP.ms through its REST API end to end: the credentials in the query,
// errors inside 200 answers, and inbound messages as a GET to the channel's
// webhook URL with the data in the query (the DID's SMS URL Callback).
func TestVoIPmsRESTConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		e := open(t)
		api := newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
			w.Header().Set("Content-Type", "application/json")
			if c.Query.Get("api_username") != "ops@acme.test" || c.Query.Get("api_password") != "vms-pass" {
				fmt.Fprint(w, `{"status":"invalid_credentials"}`)
				return
			}
			switch c.Query.Get("method") {
			case "getBalance":
				fmt.Fprint(w, `{"status":"success","balance":{"current_balance":"12.34"}}`)
			case "sendSMS":
				fmt.Fprintf(w, `{"status":"success","sms":%d}`, 23430+n)
			default:
				fmt.Fprint(w, `{"status":"invalid_method"}`)
			}
		})
		e.extensions("1001")
		channel := func(pass string) map[string]any {
			return e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_voipms_rest", "name": "VoIP.ms " + pass,
				"fields":  map[string]string{"api_username": "ops@acme.test", "api_password": pass, "api_url": api.URL + "/api/v1/rest.php"},
				"numbers": []map[string]any{{"number": "+1514555010" + fmt.Sprint(len(pass)%10), "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
		}
		bad := channel("wrong")
		require.Equal(t, "unauthorized", bad["status"], "an error inside a 200 answer")
		require.Contains(t, bad["statusReason"], "check the API user name and password")
		ch := channel("vms-pass")
		require.Equal(t, "connected", ch["status"], ch["statusReason"])
		number := ch["numbers"].([]any)[0].(map[string]any)["number"].(string)
		hook := ch["webhookUrl"].(string)
		agent := e.token("agent", "1001")
		st := e.stream(agent)

		// VoIP.ms's callback: a GET with the data in the query.
		get := func(u string) (int, string) {
			res, err := http.Get(u)
			require.NoError(t, err)
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		data := url.Values{"from": {"15145550123"}, "to": {"1" + number[2:]}, "message": {"Open today?"}, "id": {"778899"},
			"date": {"2026-11-26 07:50:00"}, "media": {""}}.Encode()
		code, body := get(hook + "&" + data)
		require.Equal(t, 200, code, body)
		require.Equal(t, "ok", body)
		created := st.next("session.created", nil)
		require.Equal(t, "+15145550123", created["customer"])
		require.Equal(t, "Open today?", st.next("message.created", nil)["text"])
		bare, _, _ := strings.Cut(hook, "?")
		code, _ = get(bare + "?" + data)
		require.Equal(t, 400, code, "without the token")

		sent := e.expect(e.do("POST", "/api/v1/sessions/"+created["id"].(string)+"/messages", agent, map[string]any{"text": "Until 6 pm."}), 202)
		var send url.Values
		require.Eventually(t, func() bool {
			for _, c := range api.sent("GET", "/api/v1/rest.php") {
				if c.Query.Get("method") == "sendSMS" {
					send = c.Query
					return true
				}
			}
			return false
		}, 30*time.Second, 10*time.Millisecond, "the reply was not sent")
		require.Equal(t, "sendSMS", send.Get("method"))
		require.Equal(t, number[2:], send.Get("did"))
		require.Equal(t, "5145550123", send.Get("dst"))
		require.Equal(t, "Until 6 pm.", send.Get("message"))
		e.waitMessage(agent, created["id"].(string), sent["id"].(string), "sent")
	})
}
