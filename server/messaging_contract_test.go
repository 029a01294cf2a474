package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// SIPTRUNK and VoIP.ms channels end to end. Neither publishes the API the
// Yeastar manual connects them with: their templates are the generic SMS
// API contract under the seed's field names (examples/siptrunk.xml and
// voipms.xml say exactly what is assumed), so the fake here is the
// contract's: the first key for requests, the second signing webhooks.
func TestGenericContractChannels(t *testing.T) {
	for _, c := range []struct {
		template, keyField, secretField string
	}{
		{"builtin_siptrunk", "access_key", "secret_key"},
		{"builtin_voipms", "api_key", "secret"},
	} {
		t.Run(c.template, func(t *testing.T) {
			onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
				contractConversation(t, open(t), c.template, c.keyField, c.secretField)
			})
		})
	}
}

func contractConversation(t *testing.T, e *env, template, keyField, secretField string) {
	const access, secret, number = "AK7Q2M9X4L", "SK-b41f0c2e9d7a", "+13125550188"
	p := genericSMSProvider(t, access)
	e.extensions("1001")
	bad := e.admin("POST", "/api/v1/channels", map[string]any{"templateId": template, "name": "wrong key",
		"fields":  map[string]string{keyField: "AK-wrong", secretField: secret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": "+13125550199", "destination": map[string]string{"type": "extension", "id": "1001"}}}})
	require.Equal(t, "unauthorized", e.expect(bad, 201)["status"])
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": template, "name": "contract",
		"fields":  map[string]string{keyField: access, secretField: secret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": number, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	require.Equal(t, []any{keyField, secretField}, ch["secretFields"], "both keys are kept back")
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
}
