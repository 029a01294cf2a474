package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// directSMS sets up a generic SMS channel whose number goes straight to
// extension 1001, and a session of customer +14155550123 with it; it
// returns the channel, the session id and the agent's token.
func directSMS(t *testing.T, e *env, p *fakeProvider, mps int) (map[string]any, string, string) {
	e.extensions("1001")
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Direct", "messagesPerSecond": mps,
		"fields":  map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}},
	}), 201)
	agent := e.token("agent", "1001")
	body := genericInbound("first", customerNo, smsNumber, "Hello")
	require.Equal(t, 204, e.webhook(ch["webhookUrl"].(string), "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)).Status)
	sessions := e.expect(e.do("GET", "/api/v1/sessions", agent, nil), 200)["sessions"].([]any)
	require.Len(t, sessions, 1)
	return ch, sessions[0].(map[string]any)["id"].(string), agent
}

// 50 messages at 10 per second: they go out in order, never more than 10
// in any second, and the provider gets each once.
func TestOutboundRate(t *testing.T) {
	var sends sendLog
	e := newEnv(t, sends.into)
	p := genericSMSProvider(t, smsAPIKey)
	_, sid, agent := directSMS(t, e, p, 10)
	for i := range 50 {
		e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": fmt.Sprintf("message %02d", i)}), 202)
	}
	calls := p.waitSent(t, "POST", "/sendmessage", 50)
	require.Len(t, calls, 50)
	out := sends.wait(t, 50)
	requireSentInOrder(t, out, calls, numbered("message ", 50))
	requireRate(t, out, 10)
}

// Provider errors: permanent ones fail the message with the chapter's
// message, temporary ones are tried again, and wrong credentials also mark
// the channel unauthorized.
func TestOutboundFailures(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	ch, sid, agent := directSMS(t, e, p, 50)
	st := e.stream(agent)
	send := func(text string) string {
		return e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": text}), 202)["id"].(string)
	}

	p.setAnswer(func(w http.ResponseWriter, c providerCall, n int) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"errors":[{"code":"10001","title":"Invalid 'to' address","detail":"The 'to' address should be a single valid number."}]}`)
	})
	id := send("one")
	failed := e.waitMessage(agent, sid, id, "failed")
	require.Equal(t, "Invalid number. (10001: The 'to' address should be a single valid number.)", failed["error"])
	require.Equal(t, 1.0, failed["attempts"], "a permanent failure is not tried again")
	require.Equal(t, "failed", st.next("message.status", func(d map[string]any) bool { return d["id"] == id })["status"])

	// Too many requests, twice, then accepted.
	p.setAnswer(func(w http.ResponseWriter, c providerCall, n int) {
		if len(p.sent("POST", "/sendmessage")) <= 3 {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"errors":[{"code":"10006","title":"Too many requests","detail":"slow down"}]}`)
			return
		}
		fmt.Fprint(w, `{"data":{"id":"late-ok"}}`)
	})
	id = send("two")
	ok := e.waitMessage(agent, sid, id, "sent")
	require.Equal(t, 3.0, ok["attempts"])
	require.Equal(t, "late-ok", ok["providerId"])

	// The provider no longer knows the key.
	p.setAnswer(func(w http.ResponseWriter, c providerCall, n int) {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"errors":[{"code":"10004","title":"Authentication failed","detail":"No key found."}]}`)
	})
	id = send("three")
	require.Equal(t, "Authentication failed. (10004: No key found.)", e.waitMessage(agent, sid, id, "failed")["error"])
	chv := e.expect(e.admin("GET", "/api/v1/channels/"+ch["id"].(string), nil), 200)
	require.Equal(t, "unauthorized", chv["status"])
	require.Contains(t, chv["statusReason"], "Authentication failed")
	stats := e.expect(e.admin("GET", "/api/v1/channels/"+ch["id"].(string)+"/stats", nil), 200)["numbers"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"number": smsNumber, "sent": 3.0, "succeeded": 1.0, "failed": 2.0, "received": 1.0}, stats)

	// The same counts per hour: every bucket from ?from= to now, empty ones
	// at zero, adding up to the period's counts.
	from := time.Now().Add(-90 * time.Minute).UTC().Truncate(time.Second)
	path := "/api/v1/channels/" + ch["id"].(string) + "/stats?bucket=hour&from=" + url.QueryEscape(from.Format(time.RFC3339))
	hourly := e.expect(e.admin("GET", path, nil), 200)
	require.Equal(t, "hour", hourly["bucket"])
	num := hourly["numbers"].([]any)[0].(map[string]any)
	series := num["series"].([]any)
	require.Len(t, series, 2)
	require.Equal(t, from.Format(time.RFC3339), series[0].(map[string]any)["from"])
	require.Equal(t, from.Add(time.Hour).Format(time.RFC3339), series[1].(map[string]any)["from"])
	require.Equal(t, map[string]any{"from": from.Add(time.Hour).Format(time.RFC3339), "sent": 3.0, "succeeded": 1.0, "failed": 2.0, "received": 1.0},
		series[1], "the messages of the last hour")
	require.Equal(t, map[string]any{"from": from.Format(time.RFC3339), "sent": 0.0, "succeeded": 0.0, "failed": 0.0, "received": 0.0}, series[0])
	for _, bad := range []string{"?bucket=week&from=2026-11-01", "?bucket=hour", "?bucket=hour&from=2026-01-01&to=2026-03-01",
		"?bucket=day&from=2026-11-02&to=2026-11-01"} {
		e.expect(e.admin("GET", "/api/v1/channels/"+ch["id"].(string)+"/stats"+bad, nil), 400)
	}

	// Checking the connection again reports it too.
	chv = e.expect(e.admin("POST", "/api/v1/channels/"+ch["id"].(string)+"/verify", nil), 200)
	require.Equal(t, "unauthorized", chv["status"])

	// Messages the channel cannot carry are refused before they are queued.
	r := e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": ""})
	require.Equal(t, 400, r.Status)
	r = e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]any{"text": "x", "mediaUrls": []string{"file:///etc/passwd"}})
	require.Equal(t, 400, r.Status)
}

func TestChannelAndQueueValidation(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	e.extensions("1001")
	fields := map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"}
	r := e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_sms_generic", "name": " ", "messagesPerSecond": 500,
		"fields": map[string]string{"api_key": "k", "secrett": "s"},
		"numbers": []map[string]any{
			{"number": "4155550100", "destination": map[string]string{"type": "extension", "id": "1009"}},
			{"number": "+14155550100", "destination": map[string]string{"type": "queue", "id": "que_none"}, "allowedExtensions": []string{"1008"}},
			{"number": "+14155550100", "destination": map[string]string{"type": "group", "id": "x"}},
		}})
	require.Equal(t, 400, r.Status)
	details := fmt.Sprint(r.JSON(t)["error"].(map[string]any)["details"])
	for _, want := range []string{"name is required", "messagesPerSecond 500", "not in E.164 form", `no extension "1009"`, `no queue "que_none"`,
		`allowedExtensions: no extension "1008"`, "is given twice", `destination.type "group"`} {
		require.Contains(t, details, want)
	}
	r = e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_zendesk", "name": "x"})
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), "needs a channel template")
	r = e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_twilio", "fields": map[string]string{}})
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), "POST /api/v1/channels")

	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_sms_generic", "name": "Main", "fields": fields,
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 201)
	id := ch["id"].(string)
	require.Equal(t, 10.0, ch["messagesPerSecond"], "the template's rate by default")
	list := e.expect(e.admin("GET", "/api/v1/integrations", nil), 200)["integrations"].([]any)
	require.Empty(t, list, "channels are not helpdesk integrations")
	require.Equal(t, 404, e.admin("DELETE", "/api/v1/integrations/"+id, nil).Status)

	// A queue: agents must be extensions; routed to, it cannot go.
	r = e.admin("POST", "/api/v1/queues", map[string]any{"name": "Sales", "agents": []string{"1001", "2002"}})
	require.Equal(t, 400, r.Status)
	q := e.expect(e.admin("POST", "/api/v1/queues", map[string]any{"name": "Sales", "agents": []string{"1001"}}), 201)["id"].(string)
	upd := e.expect(e.admin("PUT", "/api/v1/channels/"+id, map[string]any{"name": "Main line", "fields": map[string]string{"send_url": fields["send_url"], "verify_url": fields["verify_url"]},
		"messagesPerSecond": 20, "autoCloseDays": 3,
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "queue", "id": q}}}}), 200)
	require.Equal(t, "Main line", upd["name"])
	require.Equal(t, "connected", upd["status"], "secret fields left out keep their values: %v", upd["statusReason"])
	require.Equal(t, 409, e.admin("DELETE", "/api/v1/queues/"+q, nil).Status)
	agent := e.token("agent", "1001")
	require.Len(t, e.expect(e.do("GET", "/api/v1/queues", agent, nil), 200)["queues"], 1, "agents see the queues")
	require.Equal(t, 403, e.do("POST", "/api/v1/queues", agent, map[string]any{"name": "x"}).Status)
	require.Equal(t, 403, e.do("GET", "/api/v1/channels", agent, nil).Status)
	require.Equal(t, 403, e.do("GET", "/api/v1/history/sessions", agent, nil).Status)

	// Deleting the channel closes its sessions and keeps the history.
	body := genericInbound("x1", customerNo, smsNumber, "Hi")
	require.Equal(t, 204, e.webhook(ch["webhookUrl"].(string), "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)).Status)
	require.Equal(t, 204, e.admin("DELETE", "/api/v1/channels/"+id, nil).Status)
	hist := e.expect(e.admin("GET", "/api/v1/history/sessions", nil), 200)["sessions"].([]any)
	require.Len(t, hist, 1)
	require.Equal(t, "closed", hist[0].(map[string]any)["state"])
	require.Equal(t, 404, e.webhook(ch["webhookUrl"].(string), "application/json", body).Status, "the webhook is gone with the channel")
	require.Equal(t, 204, e.admin("DELETE", "/api/v1/queues/"+q, nil).Status)
}

func TestHistoryExport(t *testing.T) {
	e := newEnv(t)
	p := genericSMSProvider(t, smsAPIKey)
	ch, sid, agent := directSMS(t, e, p, 50)
	hook := ch["webhookUrl"].(string)
	id := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": "Ça marche, \"merci\", 谢谢"}), 202)["id"].(string)
	e.waitMessage(agent, sid, id, "sent")
	other := genericInbound("o1", "+14155550199", smsNumber, "Another customer, line one\nline two")
	require.Equal(t, 204, e.webhook(hook, "application/json", other, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, other)).Status)

	read := func(query string) (sessions, chat [][]string) {
		r := e.admin("GET", "/api/v1/history/export"+query, nil)
		require.Equal(t, 200, r.Status, string(r.Body))
		require.Equal(t, "application/zip", r.Header.Get("Content-Type"))
		require.Contains(t, r.Header.Get("Content-Disposition"), "attachment")
		zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
		require.NoError(t, err)
		files := map[string][][]string{}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
			rc, err := f.Open()
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
			require.True(t, bytes.HasPrefix(data, []byte("\ufeff")), "UTF-8 with a byte-order mark")
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
			require.NoError(t, err)
			files[f.Name] = rows
		}
		sort.Strings(names)
		require.Equal(t, []string{"Chat_Data_Record.csv", "Session_Record.csv"}, names)
		return files["Session_Record.csv"], files["Chat_Data_Record.csv"]
	}
	sessions, chat := read("")
	require.Equal(t, []string{"Session ID", "Created At", "Channel", "Channel Type", "Channel Number", "Customer",
		"Queue", "Agent", "State", "Last Message At", "Closed At", "Messages"}, sessions[0])
	require.Len(t, sessions, 3)
	byCustomer := map[string][]string{}
	for _, row := range sessions[1:] {
		byCustomer[row[5]] = row
	}
	first := byCustomer[customerNo]
	require.Equal(t, []string{sid, "Direct", "SMS API (generic)", smsNumber, "1001", "open", "2"},
		[]string{first[0], first[2], first[3], first[4], first[7], first[8], first[11]})
	require.Len(t, chat, 4)
	require.Equal(t, "Session ID", chat[0][0])
	var texts []string
	for _, row := range chat[1:] {
		texts = append(texts, row[3]+"|"+row[4]+"|"+row[5]+"|"+row[6])
	}
	require.ElementsMatch(t, []string{
		"in|" + customerNo + "|" + smsNumber + "|Hello",
		"out|Extension 1001|" + customerNo + "|Ça marche, \"merci\", 谢谢",
		"in|+14155550199|" + smsNumber + "|Another customer, line one\nline two",
	}, texts)

	sessions, chat = read("?customer=" + strings.ReplaceAll(customerNo, "+", "%2B"))
	require.Len(t, sessions, 2, "the search filters the export")
	require.Len(t, chat, 3)
	sessions, _ = read("?from=2030-01-01")
	require.Len(t, sessions, 1, "headers only")

	// Deleting a session from the history takes it out of the export.
	require.Equal(t, 204, e.admin("DELETE", "/api/v1/history/sessions/"+sid, nil).Status)
	sessions, _ = read("")
	require.Len(t, sessions, 2)
	require.Equal(t, 404, e.do("GET", "/api/v1/sessions/"+sid, agent, nil).Status)
}

// A channel's autoCloseDays closes sessions idle that long.
func TestIdleSessionsClose(t *testing.T) {
	var offset atomic.Int64
	e := newEnv(t, func(c *server.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		c.Messaging.SweepInterval = 50 * time.Millisecond
	})
	p := genericSMSProvider(t, smsAPIKey)
	ch, sid, agent := directSMS(t, e, p, 10)
	e.expect(e.admin("PUT", "/api/v1/channels/"+ch["id"].(string), map[string]any{"name": "Direct", "autoCloseDays": 2,
		"fields":  map[string]string{"send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{{"number": smsNumber, "destination": map[string]string{"type": "extension", "id": "1001"}}}}), 200)
	st := e.stream(agent)
	offset.Store(int64(25 * time.Hour))
	st.none("session.updated")
	require.Equal(t, "open", e.expect(e.do("GET", "/api/v1/sessions/"+sid, agent, nil), 200)["state"], "one day idle is not two")
	offset.Store(int64(49 * time.Hour))
	require.Equal(t, "closed", st.next("session.updated", nil)["state"])
}

// Two replicas on one PostgreSQL: one sends a channel's messages at its
// rate, whichever replica queued them, and an agent connected to either
// replica gets the events.
func TestMessagingAcrossReplicas(t *testing.T) {
	var sends sendLog // both replicas' senders
	a := newEnvPostgres(t, sends.into)
	b := newEnvOnSame(t, a, sends.into)
	p := genericSMSProvider(t, smsAPIKey)
	ch, sid, agent := directSMS(t, a, p, 10)
	onB := b.stream(agent)

	body := genericInbound("via-a", "+14155550188", smsNumber, "Second customer")
	require.Equal(t, 204, a.webhook(ch["webhookUrl"].(string), "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)).Status)
	// The stream may still get the event of the first customer's session,
	// made before it was opened: notifications reach replica B whenever
	// its listening connection reads them.
	second := func(d map[string]any) bool { return d["customer"] == "+14155550188" }
	require.Equal(t, "+14155550188", onB.next("session.created", second)["customer"], "an event of replica A reaches an agent on replica B")

	for i := range 30 {
		e := a
		if i%2 == 1 {
			e = b
		}
		e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", agent, map[string]string{"text": fmt.Sprintf("m%02d", i)}), 202)
	}
	calls := p.waitSent(t, "POST", "/sendmessage", 30)
	require.Len(t, calls, 30)
	out := sends.wait(t, 30)
	requireSentInOrder(t, out, calls, numbered("m", 30))
	requireRate(t, out, 10) // at most 10 in any second across both replicas
}
