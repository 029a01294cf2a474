package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/server"
)

// fastJournal looks for sessions to journal, and retries failed
// journals, within milliseconds.
func fastJournal(c *server.Config) {
	c.ChatJournal = server.ChatJournalTuning{Interval: 20 * time.Millisecond, RetryWait: 20 * time.Millisecond}
	// The engine does not retry on its own: a 503 fails the attempt.
	c.Integrations.Retry = engine.RetryPolicy{Max: -1}
}

// TestChatJournal: conversations answered by an agent bound to a Zendesk
// user are journaled into Zendesk when they close — the customer looked
// up by number, the transcript as a private comment — once each, retried
// when Zendesk fails, in parts every N messages when the settings say so;
// and the session's timeline shows it.
func TestChatJournal(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		chatJournal(t, open(t, fastJournal))
	})
}

func chatJournal(t *testing.T, e *env) {
	p := genericSMSProvider(t, smsAPIKey)
	ch, _ := smsChannel(t, e, p)
	hook := ch["webhookUrl"].(string)
	d := newCallDesk(t)
	desk := connectDesk(t, e, d, `{"chatJournal":{"enabled":true}}`)
	a1 := e.token("agent", "1001")

	// converse has a customer write, 1001 take over and answer; close
	// closes the session.
	n := 0
	inbound := func(customer, text string) string {
		n++
		body := genericInbound("cj-"+string(rune('a'+n)), customer, smsNumber, text)
		r := e.webhook(hook, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
		require.Equal(t, 204, r.Status, string(r.Body))
		var sid string
		require.Eventually(t, func() bool {
			for _, s := range e.expect(e.admin("GET", "/api/v1/history/sessions?customer="+strings.ReplaceAll(customer, "+", "%2B"), nil), 200)["sessions"].([]any) {
				if s.(map[string]any)["state"] != "closed" {
					sid = s.(map[string]any)["id"].(string)
					return true
				}
			}
			return false
		}, 15*time.Second, 10*time.Millisecond)
		return sid
	}
	answer := func(sid, text string) {
		sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": text}), 202)
		e.waitMessage(a1, sid, sent["id"].(string), "sent")
	}
	converse := func(customer, text, reply string) string {
		sid := inbound(customer, text)
		e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a1, nil), 200)
		answer(sid, reply)
		return sid
	}
	closeSession := func(sid string) { e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/close", a1, nil), 200) }
	tickets := func(want int) []map[string]any {
		t.Helper()
		require.Eventually(t, func() bool { return d.count("POST /api/v2/tickets.json") >= want }, 20*time.Second, 10*time.Millisecond,
			"waiting for %d journal tickets", want)
		d.mu.Lock()
		defer d.mu.Unlock()
		var out []map[string]any
		for _, b := range d.bodies["POST /api/v2/tickets.json"] {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(b), &v), "every body is JSON: %s", b)
			out = append(out, v["ticket"].(map[string]any))
		}
		return out
	}
	timeline := func(sid string) []map[string]any {
		var out []map[string]any
		for _, ev := range e.expect(e.admin("GET", "/api/v1/history/sessions/"+sid+"/timeline", nil), 200)["timeline"].([]any) {
			out = append(out, ev.(map[string]any))
		}
		return out
	}
	eventsOf := func(sid, typ string) []map[string]any {
		var out []map[string]any
		for _, ev := range timeline(sid) {
			if ev["type"] == typ {
				out = append(out, ev)
			}
		}
		return out
	}
	// waitEvents waits for the timeline to hold n events of typ: the
	// journal is saved once the helpdesk has answered.
	waitEvents := func(sid, typ string, n int) []map[string]any {
		t.Helper()
		var got []map[string]any
		require.Eventually(t, func() bool { got = eventsOf(sid, typ); return len(got) >= n }, 20*time.Second, 10*time.Millisecond,
			"waiting for %d %s events of %s", n, typ, sid)
		require.Len(t, got, n)
		return got
	}

	// A conversation closes: its transcript reaches Zendesk once.
	first := converse(customerNo, `Hi, my order "#4411" has not arrived`, `Sorry! It ships "today".`)
	require.Zero(t, d.count("POST /api/v2/tickets.json"), "nothing is journaled while the session is open")
	closeSession(first)
	tk := tickets(1)[0]
	require.Equal(t, "Main SMS conversation with "+customerNo, tk["subject"])
	require.EqualValues(t, 17, tk["requester_id"], "the customer, found by number")
	require.EqualValues(t, 361, tk["assignee_id"], "the Zendesk user bound to extension 1001")
	require.Equal(t, "solved", tk["status"])
	body := tk["comment"].(map[string]any)["body"].(string)
	require.Contains(t, body, "Conversation on Main SMS ("+smsNumber+") with "+customerNo+", answered by extension 1001")
	require.Contains(t, body, "(2 messages):\n")
	require.Regexp(t, `\n\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \`+customerNo+`: Hi, my order "#4411" has not arrived\n\[[^]]+\] agent 1001: Sorry! It ships "today".$`, body)
	require.Equal(t, false, tk["comment"].(map[string]any)["public"])
	journaled := waitEvents(first, "journaled", 1)
	detail := journaled[0]["detail"].(map[string]any)
	require.Equal(t, desk, detail["integration"])
	require.Equal(t, "17", detail["contact"])
	require.Equal(t, "4711", detail["ticket"], "the ticket the journal made")
	require.Equal(t, "system", journaled[0]["actor"])

	// Zendesk fails the next one: retried, the timeline says so once,
	// and nothing is journaled twice.
	d.failTickets.Store(1)
	second := converse("+14155550124", "Second question", "Second answer")
	closeSession(second)
	tickets(3) // the first, the second's failed attempt, its retry
	waitEvents(second, "journaled", 1)
	failed := eventsOf(second, "journal_failed")
	require.Len(t, failed, 1)
	require.Contains(t, failed[0]["detail"].(map[string]any)["error"], "503")
	require.Len(t, eventsOf(first, "journaled"), 1, "the first was not journaled again")

	// Every 2 messages: a part while the session is open, the rest when
	// it closes.
	e.expect(e.admin("PUT", "/api/v1/integrations/"+desk+"/settings", json.RawMessage(`{"chatJournal":{"enabled":true,"every":2,"subject":"Chat {{.ChatPart}} with {{.Phone}}"}}`)), 200)
	third := converse("+14155550125", "Third, part one", "Answer one")
	part := tickets(4)[3]
	require.Equal(t, "Chat 1 with +14155550125", part["subject"])
	partBody := part["comment"].(map[string]any)["body"].(string)
	require.Contains(t, partBody, "Third, part one")
	require.Contains(t, partBody, "Answer one")
	inbound("+14155550125", "Third, after the part")
	closeSession(third)
	last := tickets(5)[4]
	require.Equal(t, "Chat 2 with +14155550125", last["subject"])
	lastBody := last["comment"].(map[string]any)["body"].(string)
	require.Contains(t, lastBody, "Third, after the part")
	require.NotContains(t, lastBody, "Answer one", "a part is journaled once")
	waitEvents(third, "journaled", 2)
	require.Equal(t, 5, d.count("POST /api/v2/tickets.json"))

	// A customer Zendesk does not know: created first when the settings
	// say so, and the transcript is theirs.
	e.expect(e.admin("PUT", "/api/v1/integrations/"+desk+"/settings", json.RawMessage(`{"chatJournal":{"enabled":true,"createContact":true}}`)), 200)
	fourth := converse("+"+unknownCaller, "Who am I to you?", "A new customer.")
	closeSession(fourth)
	created := tickets(6)[5]
	require.Equal(t, 1, d.count("POST /api/v2/users.json"), "the contact is created once")
	require.EqualValues(t, 9001, created["requester_id"])
	d.mu.Lock()
	newUser := d.bodies["POST /api/v2/users.json"][0]
	d.mu.Unlock()
	require.Contains(t, newUser, `"phone":"+`+unknownCaller+`"`)
	fourthJournal := waitEvents(fourth, "journaled", 1)[0]["detail"].(map[string]any)
	require.Equal(t, "9001", fourthJournal["contact"])
	require.Equal(t, "Zendesk", fourthJournal["helpdesk"])
}
