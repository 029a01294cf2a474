package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/server"
)

// The generic SMS API channel end to end, on SQLite and on PostgreSQL: a
// provider's signed webhook in, a session offered to a queue, taken over,
// answered, and the answer at the provider with the right key and body;
// then keywords, transfer, closing, and an agent-started session.

const (
	smsAPIKey  = "sk-live-7f3a9c"
	smsSecret  = "whsec-2b8e61d4"
	smsNumber  = "+14155550100"
	customerNo = "+14155550123"
)

// smsChannel sets up extensions 1001–1003, the queue Support (1001, 1002)
// and a generic SMS channel whose number goes to the queue; 1003 may start
// sessions on it.
func smsChannel(t *testing.T, e *env, p *fakeProvider) (channel map[string]any, queueID string) {
	e.extensions("1001", "1002", "1003")
	queueID = e.expect(e.admin("POST", "/api/v1/queues", map[string]any{"name": "Support", "agents": []string{"1001", "1002"}}), 201)["id"].(string)
	channel = e.expect(e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Main SMS",
		"fields":   map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"settings": map[string]any{"keywordReplies": map[string]string{"help": "Acme support: call +1 415 555 0100."}},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "queue", "id": queueID},
			"allowedExtensions": []string{"1003"}}},
	}), 201)
	return channel, queueID
}

func TestGenericSMSConversation(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		genericSMSConversation(t, open(t))
	})
}

func genericSMSConversation(t *testing.T, e *env) {
	p := genericSMSProvider(t, smsAPIKey)
	ch, queueID := smsChannel(t, e, p)
	require.Equal(t, "connected", ch["status"], "the provider echoed the challenge: %v", ch["statusReason"])
	require.Equal(t, "sms", ch["kind"])
	require.Contains(t, ch["webhookUrl"], e.srv.URL+"/webhooks/channels/")
	require.Equal(t, []any{"api_key", "secret"}, ch["secretFields"])
	require.NotContains(t, string(e.admin("GET", "/api/v1/channels/"+ch["id"].(string), nil).Body), smsAPIKey, "keys are never shown")
	verify := p.sent("GET", "/verify")
	require.Len(t, verify, 1)
	require.Regexp(t, `^[A-Za-z]{32}$`, verify[0].Query.Get("challenge"))
	hook := ch["webhookUrl"].(string)

	a1, a2, a3 := e.token("agent", "1001"), e.token("agent", "1002"), e.token("agent", "1003")
	s1, s2, s3 := e.stream(a1), e.stream(a2), e.stream(a3)

	// The provider's webhook: 204, stored, offered to the queue's agents.
	body := genericInbound("in-1", customerNo, smsNumber, "Hi, my order #4411 has not arrived")
	r := e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	require.Equal(t, 204, r.Status, string(r.Body))
	created := s1.next("session.created", nil)
	require.Equal(t, true, created["offered"])
	require.Equal(t, queueID, created["queueId"])
	sid := created["id"].(string)
	require.Equal(t, "Hi, my order #4411 has not arrived", s2.next("message.created", nil)["text"])
	s3.none("session.created")

	// Redelivered: taken again, stored once. Forged or tampered: refused.
	r = e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	require.Equal(t, 204, r.Status)
	tampered := genericInbound("in-2", customerNo, smsNumber, "Please refund me now")
	r = e.webhook(hook, "application/json", tampered, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
	require.Equal(t, 400, r.Status, string(r.Body))
	require.Equal(t, "bad_signature", errCode(t, r))
	r = e.webhook(hook, "application/json", tampered, "X-Signature-256", "sha256="+hmacSHA256Hex("guessed-secret", tampered))
	require.Equal(t, 400, r.Status)
	require.Equal(t, 404, e.webhook(e.srv.URL+"/webhooks/channels/no-such-key", "application/json", body).Status)
	require.Len(t, e.messages(a1, sid), 1, "nothing but the first delivery is kept")

	// Who sees what: the queue's agents the offer, nobody else anything.
	require.Len(t, e.expect(e.do("GET", "/api/v1/sessions", a2, nil), 200)["sessions"], 1)
	require.Empty(t, e.expect(e.do("GET", "/api/v1/sessions", a3, nil), 200)["sessions"])
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+sid, a3, nil).Status)
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", a2, map[string]string{"text": "Hello"})
	require.Equal(t, 409, r.Status, "an offered session is taken over before it is answered")

	// 1001 takes over; 1002 is too late and loses sight of it.
	taken := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a1, nil), 200)
	require.Equal(t, "1001", taken["assignee"])
	// The history finds it by its agent.
	byAgent := e.expect(e.admin("GET", "/api/v1/history/sessions?agent=1001", nil), 200)["sessions"].([]any)
	require.Len(t, byAgent, 1)
	require.Equal(t, sid, byAgent[0].(map[string]any)["id"])
	require.Empty(t, e.expect(e.admin("GET", "/api/v1/history/sessions?agent=1002", nil), 200)["sessions"])
	require.Equal(t, "1001", s2.next("session.updated", nil)["assignee"], "the other agents learn it is taken")
	r = e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a2, nil)
	require.Equal(t, 404, r.Status, "no longer offered to 1002: %s", r.Body)
	require.Empty(t, e.expect(e.do("GET", "/api/v1/sessions", a2, nil), 200)["sessions"])

	// The answer reaches the provider as the chapter says.
	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": `Sorry! It ships "today".`}), 202)
	require.Equal(t, "queued", sent["status"])
	calls := p.waitSent(t, "POST", "/sendmessage", 1)
	require.Equal(t, "Bearer "+smsAPIKey, calls[0].Header.Get("Authorization"))
	require.Equal(t, "application/json", calls[0].Header.Get("Content-Type"))
	require.JSONEq(t, `{"from":"+14155550100","to":"+14155550123","text":"Sorry! It ships \"today\".","media_urls":[]}`, calls[0].Body)
	done := e.waitMessage(a1, sid, sent["id"].(string), "sent")
	require.Regexp(t, `^out-\d+$`, done["providerId"], "the provider's data.id")
	require.Equal(t, "sent", s1.next("message.status", func(d map[string]any) bool { return d["id"] == sent["id"] })["status"])

	// HELP gets the configured answer; STOP the opt-out answer, and then
	// nothing more goes to the customer until START.
	for i, kw := range []string{"help", "STOP"} {
		b := genericInbound("kw-"+kw, customerNo, smsNumber, kw)
		require.Equal(t, 204, e.webhook(hook, "application/json", b, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, b)).Status)
		replies := p.waitSent(t, "POST", "/sendmessage", 2+i)
		want := map[string]string{"help": "Acme support: call +1 415 555 0100.", "STOP": "You have been unsubscribed and will get no more messages from this number. Reply START to subscribe again."}[kw]
		require.Equal(t, want, gjson.Get(replies[1+i].Body, "text").String())
	}
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": "One more thing"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "opted_out", errCode(t, r))
	require.Contains(t, string(r.Body), "replied STOP")
	b := genericInbound("kw-start", customerNo, smsNumber, "Start")
	require.Equal(t, 204, e.webhook(hook, "application/json", b, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, b)).Status)
	p.waitSent(t, "POST", "/sendmessage", 4)
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": "Welcome back"}), 202)
	p.waitSent(t, "POST", "/sendmessage", 5)

	// System answers cannot be deleted from the history; the rest can.
	var system, inbound string
	for _, m := range e.messages(a1, sid) {
		mm := m.(map[string]any)
		switch {
		case mm["direction"] == "system" && system == "":
			system = mm["id"].(string)
		case mm["direction"] == "in" && inbound == "":
			inbound = mm["id"].(string)
		}
	}
	admin := func(method, path string) resp { return e.admin(method, path, nil) }
	require.Equal(t, 409, admin("DELETE", "/api/v1/history/messages/"+system).Status)
	require.Equal(t, 204, admin("DELETE", "/api/v1/history/messages/"+inbound).Status)

	// Transfer keeps the history; the new agent answers.
	tr := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/transfer", a1, map[string]any{"to": map[string]string{"type": "extension", "id": "1003"}}), 200)
	require.Equal(t, "1003", tr["assignee"])
	require.Equal(t, sid, s3.next("session.updated", nil)["id"])
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+sid, a1, nil).Status)
	require.Len(t, e.messages(a3, sid), 8, "the whole history came along")

	// Back to the queue: offered to its agents again, and taken by 1002.
	back := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/transfer", a3, map[string]any{"to": map[string]string{"type": "queue", "id": queueID}}), 200)
	require.Equal(t, true, back["offered"])
	require.Equal(t, true, s2.next("session.updated", func(d map[string]any) bool { return d["id"] == sid })["offered"])
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a2, nil), 200)
	require.Len(t, e.messages(a2, sid), 8)

	// Archive, unarchive, close; a closed session takes no more messages,
	// and the customer's next message opens a new one.
	require.Equal(t, "archived", e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/archive", a2, nil), 200)["state"])
	require.Equal(t, "open", e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/unarchive", a2, nil), 200)["state"])
	require.Equal(t, "closed", e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/close", a2, nil), 200)["state"])
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", a2, map[string]string{"text": "Anything else?"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "session_closed", errCode(t, r))
	b = genericInbound("in-after", customerNo, smsNumber, "Actually, one more question")
	require.Equal(t, 204, e.webhook(hook, "application/json", b, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, b)).Status)
	again := s1.next("session.created", nil)
	require.NotEqual(t, sid, again["id"])
	require.Equal(t, true, again["offered"], "a new session goes to the queue again")

	// Removing takes a session off the lists for good; the history keeps it.
	aid := again["id"].(string)
	e.expect(e.do("POST", "/api/v1/sessions/"+aid+"/takeover", a2, nil), 200)
	require.Equal(t, 204, e.do("DELETE", "/api/v1/sessions/"+aid, a2, nil).Status)
	for _, s := range e.expect(e.do("GET", "/api/v1/sessions?state=open,archived,closed", a2, nil), 200)["sessions"].([]any) {
		require.NotEqual(t, aid, s.(map[string]any)["id"], "a removed session is off the agent's lists")
	}
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+aid, a2, nil).Status)
	removed := e.expect(e.admin("GET", "/api/v1/history/sessions?customer=%2B14155550123&state=closed", nil), 200)["sessions"].([]any)
	require.Len(t, removed, 2)
	require.Equal(t, true, removed[0].(map[string]any)["removed"])

	// The timeline of the first session.
	tl := e.expect(admin("GET", "/api/v1/history/sessions/"+sid+"/timeline"), 200)["timeline"].([]any)
	var types []string
	for _, ev := range tl {
		types = append(types, ev.(map[string]any)["type"].(string))
	}
	require.Equal(t, []string{"created", "taken_over", "transferred", "transferred", "taken_over", "closed"}, types)
	require.Equal(t, map[string]any{"from": "extension:1003", "to": "queue:" + queueID}, tl[3].(map[string]any)["detail"])

	// An agent starts a session (SMS); only allowed extensions may.
	r = e.do("POST", "/api/v1/sessions", a1, map[string]string{"channelNumber": smsNumber, "to": "+14155550177", "text": "Your parcel is here"})
	require.Equal(t, 403, r.Status, string(r.Body))
	started := e.expect(e.do("POST", "/api/v1/sessions", a3, map[string]string{"channelNumber": smsNumber, "to": "+14155550177", "text": "Your parcel is here"}), 201)
	require.Equal(t, "1003", started["session"].(map[string]any)["assignee"])
	out := p.waitSent(t, "POST", "/sendmessage", 6)
	require.Equal(t, "+14155550177", gjson.Get(out[5].Body, "to").String())
	e.waitMessage(a3, started["session"].(map[string]any)["id"].(string), started["message"].(map[string]any)["id"].(string), "sent")
	r = e.do("POST", "/api/v1/sessions", a3, map[string]string{"channelNumber": smsNumber, "to": "415-555-0177", "text": "x"})
	require.Equal(t, 400, r.Status, "not E.164")

	// Per-number counters.
	// (A message's status is saved a moment after the provider answers.)
	want := map[string]any{"number": smsNumber, "sent": 6.0, "succeeded": 6.0, "failed": 0.0, "received": 5.0}
	var st map[string]any
	require.Eventually(t, func() bool {
		st = e.expect(admin("GET", "/api/v1/channels/"+ch["id"].(string)+"/stats"), 200)["numbers"].([]any)[0].(map[string]any)
		return fmt.Sprint(st) == fmt.Sprint(want)
	}, 10*time.Second, 20*time.Millisecond, "stats %v", st)
	st = e.expect(admin("GET", "/api/v1/channels/"+ch["id"].(string)+"/stats?from=2030-01-01"), 200)["numbers"].([]any)[0].(map[string]any)
	require.Equal(t, 0.0, st["sent"], "nothing in that period")

	// What happened is counted.
	metrics := string(e.do("GET", "/metrics", "", nil).Body)
	cid := ch["id"].(string)
	for _, want := range []string{
		`switchboard_channel_webhooks_total{channel="` + cid + `",result="accepted"}`,
		`switchboard_channel_webhooks_total{channel="` + cid + `",result="bad_signature"} 2`,
		`switchboard_channel_messages_total{channel="` + cid + `",direction="in",result="duplicate"} 1`,
		`switchboard_channel_messages_total{channel="` + cid + `",direction="out",result="sent"}`,
		`switchboard_remote_requests_total{integration="` + cid + `",request="send",scenario="SendMessage",status_class="2xx"}`,
	} {
		require.Contains(t, metrics, want)
	}

	// A queue a number routes to cannot be deleted.
	r = admin("DELETE", "/api/v1/queues/"+queueID)
	require.Equal(t, http.StatusConflict, r.Status)
	require.Contains(t, string(r.Body), smsNumber)
}
