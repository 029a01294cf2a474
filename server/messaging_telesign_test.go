package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// A Telesign channel end to end, against a fake of Telesign's Messaging
// API that checks Basic CustomerID:APIKey; callbacks signed as Telesign's
// "Authenticate callbacks" describes. A channel without VerifyChannel
// starts unverified and sends all the same.

const (
	telesignCustomer = "FFFFFFFF-EEEE-DDDD-1234-AB1234567890"
	telesignKey      = "EXAMPLETE8sTgg45yusumoN6BYsBVkh+yRJ5czgsnCehZaOYldPJdmFh6NeX8kunZ2zU1YWaUw/0wV6xfw=="
	telesignNumber   = "+14155550100"
)

func telesignAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		w.Header().Set("Content-Type", "application/json")
		if c.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(telesignCustomer+":"+telesignKey)) {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"code":-30000,"description":"Invalid Customer ID."}],"status":{"code":10000,"description":"Invalid credentials"}}`)
			return
		}
		if c.Method != "POST" || c.Path != "/v1/messaging" {
			w.WriteHeader(404)
			return
		}
		fmt.Fprintf(w, `{"reference_id":"35C8B5A87A0C0A4C9026B44AAD8A6A%02d","status":{"code":290,"description":"Message in progress"}}`, n)
	})
}

func telesignAuth(body string) string {
	raw, _ := base64.StdEncoding.DecodeString(telesignKey)
	m := hmac.New(sha256.New, raw)
	m.Write([]byte(body))
	return "TSA " + telesignCustomer + ":" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestTelesignConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		e := open(t)
		ts := telesignAPI(t)
		e.extensions("1001")
		ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_telesign", "name": "Telesign",
			"fields":  map[string]string{"customer_id": telesignCustomer, "api_key": telesignKey, "api_url": ts.URL},
			"numbers": []map[string]any{{"number": telesignNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
		require.Equal(t, "unverified", ch["status"], "Telesign has no request that only checks the keys")
		hook := ch["webhookUrl"].(string)
		agent := e.token("agent", "1001")
		st := e.stream(agent)

		mo := `{"reference_id":"0123456789ABCDEF0123456789ABCDEF","status":{"code":1500,"description":"Received SMS"},"submit_timestamp":"2026-11-26T07:30:00.000000Z",` +
			`"user_response":{"iso_country_code":"US","phone_number":"14155550123","sender_id":"14155550100","mo_message":"Do you deliver on weekends?","keyword":"","action":"generic"}}`
		require.Equal(t, 400, e.webhook(hook, "application/json", mo, "Authorization", "TSA "+telesignCustomer+":forged").Status)
		require.Equal(t, 200, e.webhook(hook, "application/json", mo, "Authorization", telesignAuth(mo)).Status)
		created := st.next("session.created", nil)
		require.Equal(t, "+14155550123", created["customer"])
		sid := created["id"].(string)

		long := e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": strings.Repeat("a", 1601)})
		require.Equal(t, 400, long.Status, "more than Telesign's 1,600 characters is refused before it is queued")
		require.Contains(t, string(long.Body), "at most 1600")
		sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Yes, Saturdays."}), 202)
		calls := ts.waitSent(t, "POST", "/v1/messaging", 1)
		form, err := url.ParseQuery(calls[0].Body)
		require.NoError(t, err)
		require.Equal(t, url.Values{"phone_number": {"14155550123"}, "message": {"Yes, Saturdays."}, "message_type": {"ARN"}, "sender_id": {"14155550100"}}, form)
		out := e.waitMessage(agent, sid, sent["id"].(string), "sent")

		dlr := fmt.Sprintf(`{"reference_id":%q,"status":{"code":200,"description":"Delivered to handset","updated_on":"2026-11-26T07:31:00.000000Z"}}`, out["providerId"])
		require.Equal(t, 200, e.webhook(hook, "application/json", dlr, "Authorization", telesignAuth(dlr)).Status)
		e.waitMessage(agent, sid, sent["id"].(string), "delivered")
	})
}
