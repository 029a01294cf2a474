package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// A SIPTRUNK channel end to end. SIPTRUNK publishes no API reference; its
// template assumes the generic SMS API contract with the seed's two keys
// (examples/siptrunk.xml says exactly what), so the fake here is the
// contract's: the Access Key as the request key, the Secret Key signing
// webhooks.
func TestSIPTRUNKConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		e := open(t)
		const access, secret, number = "AK7Q2M9X4L", "SK-b41f0c2e9d7a", "+13125550188"
		p := genericSMSProvider(t, access)
		e.extensions("1001")
		bad := e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_siptrunk", "name": "SIPTRUNK (wrong key)",
			"fields":  map[string]string{"access_key": "AK-wrong", "secret_key": secret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
			"numbers": []map[string]any{{"number": "+13125550199", "destination": map[string]string{"type": "extension", "id": "1001"}}}})
		require.Equal(t, "unauthorized", e.expect(bad, 201)["status"])
		ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_siptrunk", "name": "SIPTRUNK",
			"fields":  map[string]string{"access_key": access, "secret_key": secret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
			"numbers": []map[string]any{{"number": number, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
		require.Equal(t, "connected", ch["status"], ch["statusReason"])
		require.Equal(t, []any{"access_key", "secret_key"}, ch["secretFields"], "both keys are kept back")
		hook := ch["webhookUrl"].(string)
		agent := e.token("agent", "1001")
		st := e.stream(agent)

		in := genericInbound("st-1", customerNo, number, "Is the store open on Sunday?")
		require.Equal(t, 400, e.webhook(hook, "application/json", in, "X-Signature-256", "sha256="+hmacSHA256Hex("another secret", in)).Status)
		require.Equal(t, 204, e.webhook(hook, "application/json", in, "X-Signature-256", "sha256="+hmacSHA256Hex(secret, in)).Status)
		sid := st.next("session.created", nil)["id"].(string)

		sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "Yes, 10 to 4."}), 202)
		calls := p.waitSent(t, "POST", "/sendmessage", 1)
		require.Equal(t, "Bearer "+access, calls[0].Header.Get("Authorization"))
		require.JSONEq(t, `{"from":"`+number+`","to":"`+customerNo+`","text":"Yes, 10 to 4.","media_urls":[]}`, calls[0].Body)
		e.waitMessage(agent, sid, sent["id"].(string), "sent")
	})
}
