package server_test

import (
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
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/server"
)

// A Telnyx channel end to end, against a fake of Telnyx's Messaging API v2
// that checks the API key as Telnyx does; every webhook the test sends is
// first checked by Telnyx's own Node library.

const (
	telnyxAPIKey = "KEY01892F0D5E3C4B8A9F1E2D3C4B5A6978_Zx9Yw8Vu7Ts6"
	telnyxFrom   = "+18445550001"
)

// telnyxAPI is a fake Telnyx Messaging API: Bearer auth with the API key,
// messages answered with data.id.
func telnyxAPI(t *testing.T) *fakeProvider {
	return newFakeProvider(t, func(w http.ResponseWriter, c providerCall, n int) {
		w.Header().Set("Content-Type", "application/json")
		if c.Header.Get("Authorization") != "Bearer "+telnyxAPIKey {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The API key looks malformed."}]}`)
			return
		}
		switch {
		case c.Method == "GET" && c.Path == "/v2/messaging_profiles":
			fmt.Fprint(w, `{"data":[{"id":"740572b6-099c-44a1-89b9-6c92163bc68d","name":"Switchboard","record_type":"messaging_profile"}],"meta":{"page_number":1,"page_size":1,"total_pages":1,"total_results":1}}`)
		case c.Method == "POST" && c.Path == "/v2/messages":
			fmt.Fprintf(w, `{"data":{"record_type":"message","direction":"outbound","id":"40385f64-5717-4562-b3fc-%012d","type":"SMS",`+
				`"from":{"phone_number":%q,"carrier":"Telnyx","line_type":"Wireless"},"to":[{"phone_number":%q,"status":"queued"}],"text":%q,"parts":1}}`,
				n, gjson.Get(c.Body, "from").String(), gjson.Get(c.Body, "to").String(), gjson.Get(c.Body, "text").String())
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errors":[{"code":"10005","title":"Resource not found"}]}`)
		}
	})
}

// telnyxEvent is a Telnyx messaging webhook: message.received carries the
// customer's message, message.finalized a delivery update.
func telnyxEvent(event, id, from, to, text, status string) string {
	return fmt.Sprintf(`{"data":{"event_type":%q,"id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2026-11-26T06:16:07.588+00:00",`+
		`"payload":{"direction":"inbound","encoding":"GSM-7","errors":[],"from":{"carrier":"T-Mobile USA","line_type":"long_code","phone_number":%q},`+
		`"id":%q,"media":[],"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","parts":1,"received_at":"2026-11-26T06:16:07.503+00:00",`+
		`"record_type":"message","text":%q,"to":[{"carrier":"Telnyx","line_type":"Wireless","phone_number":%q,"status":%q}],"type":"SMS"},"record_type":"event"},`+
		`"meta":{"attempt":1}}`, event, from, id, text, to, status)
}

func TestTelnyxConversation(t *testing.T) {
	oracle := testpeers.StartTelnyxVerifier(t)
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		telnyxConversation(t, open(t), oracle)
	})
}

func telnyxConversation(t *testing.T, e *env, oracle *testpeers.TelnyxVerifier) {
	pubRaw, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pub := base64.StdEncoding.EncodeToString(pubRaw)
	tx := telnyxAPI(t)
	e.extensions("1001")

	// The seed's two fields, with their titles; a wrong key is told apart.
	bad := e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_telnyx", "name": "Telnyx (wrong key)",
		"fields":  map[string]string{"api_key": "KEY-wrong", "public_key": pub, "api_url": tx.URL},
		"numbers": []map[string]any{{"number": "+18445550009", "destination": map[string]string{"type": "extension", "id": "1001"}}}})
	require.Equal(t, "unauthorized", e.expect(bad, 201)["status"])
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_telnyx", "name": "Telnyx",
		"fields":  map[string]string{"api_key": telnyxAPIKey, "public_key": pub, "api_url": tx.URL},
		"numbers": []map[string]any{{"number": telnyxFrom, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	hook := ch["webhookUrl"].(string)
	agent := e.token("agent", "1001")
	st := e.stream(agent)

	// post sends a webhook signed as Telnyx signs it, after Telnyx's
	// library agreed that it verifies (or, for a forged one, that it
	// does not).
	post := func(body string, header http.Header, wantValid bool) resp {
		valid, why := oracle.Verify(t, pub, []byte(body), header)
		require.Equal(t, wantValid, valid, "Telnyx's library: %s", why)
		kv := []string{}
		for k := range header {
			kv = append(kv, k, header.Get(k))
		}
		return e.webhook(hook, "application/json", body, kv...)
	}
	sign := func(body string) http.Header {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h := http.Header{}
		h.Set("Telnyx-Timestamp", ts)
		h.Set("Telnyx-Signature-Ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+body))))
		return h
	}

	in := telnyxEvent("message.received", "84cca175-9755-4859-b67f-4730d7f58aa3", "+13125550001", telnyxFrom, "Where is my order? 📦", "webhook_delivered")
	r := post(in, sign(in), true)
	require.Equal(t, 200, r.Status, string(r.Body))
	sid := st.next("session.created", nil)["id"].(string)
	require.Equal(t, "Where is my order? 📦", st.next("message.created", nil)["text"])

	forged := strings.Replace(in, "Where is my order?", "Refund me now!", 1)
	require.Equal(t, 400, post(forged, sign(in), false).Status, "a body changed after signing")
	require.Equal(t, 400, post(in, http.Header{}, false).Status, "unsigned")

	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": `On its way & "arriving" today`}), 202)
	calls := tx.waitSent(t, "POST", "/v2/messages", 1)
	require.JSONEq(t, `{"from":"`+telnyxFrom+`","to":"+13125550001","text":"On its way & \"arriving\" today","media_urls":[],"webhook_url":"`+hook+`"}`, calls[0].Body)
	out := e.waitMessage(agent, sid, sent["id"].(string), "sent")
	providerID := out["providerId"].(string)
	require.True(t, strings.HasPrefix(providerID, "40385f64-"), providerID)

	// The delivery update Telnyx posts to the message's webhook_url.
	done := telnyxEvent("message.finalized", providerID, telnyxFrom, "+13125550001", `On its way & "arriving" today`, "delivered")
	require.Equal(t, 200, post(done, sign(done), true).Status)
	e.waitMessage(agent, sid, sent["id"].(string), "delivered")

	// STOP: Telnyx answers it itself; Switchboard records it and stops
	// agents' messages before they reach Telnyx.
	stop := telnyxEvent("message.received", "84cca175-0000-4859-b67f-4730d7f58aa3", "+13125550001", telnyxFrom, "STOP", "webhook_delivered")
	require.Equal(t, 200, post(stop, sign(stop), true).Status)
	st.next("message.created", func(d map[string]any) bool { return d["text"] == "STOP" })
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Wait!"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "opted_out", errCode(t, r))
	require.Len(t, tx.sent("POST", "/v2/messages"), 1, "the refused message did not go to Telnyx")
}
