package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// A client that reconnects with the id of the last event it got
// (Last-Event-ID, as EventSource sends it, or the lastEventId parameter)
// gets what it missed, in order, and then the live events: nothing lost,
// nothing twice.

const otherNumber = "+14155550199" // answered by 1003 alone

// replayChannel sets up extensions 1001–1003 and a generic SMS channel:
// smsNumber goes to the queue Support (1001, 1002), otherNumber to 1003.
// send posts a customer's text to one of the numbers, on e or on another
// replica of e.
func replayChannel(t *testing.T, e *env) (send func(on *env, from, to, text string)) {
	p := genericSMSProvider(t, smsAPIKey)
	e.extensions("1001", "1002", "1003")
	queueID := e.expect(e.admin("POST", "/api/v1/queues", map[string]any{"name": "Support", "agents": []string{"1001", "1002"}}), 201)["id"].(string)
	ch := e.expect(e.admin("POST", "/api/v1/channels", map[string]any{
		"templateId": "builtin_sms_generic", "name": "Main SMS",
		"fields": map[string]string{"api_key": smsAPIKey, "secret": smsSecret, "send_url": p.URL + "/sendmessage", "verify_url": p.URL + "/verify"},
		"numbers": []map[string]any{
			{"number": smsNumber, "destination": map[string]string{"type": "queue", "id": queueID}},
			{"number": otherNumber, "destination": map[string]string{"type": "extension", "id": "1003"}},
		},
	}), 201)
	path := strings.TrimPrefix(ch["webhookUrl"].(string), e.srv.URL)
	return func(on *env, from, to, text string) {
		t.Helper()
		body := genericInbound(text, from, to, text)
		r := on.webhook(on.srv.URL+path, "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body))
		require.Equal(t, 204, r.Status, string(r.Body))
	}
}

// watcher is an admin's stream that keeps every event it got, in order:
// what a replica delivered, and so what its buffer holds.
type watcher struct {
	*stream
	seen []map[string]any
}

func watch(e *env) *watcher { return &watcher{stream: e.stream(adminToken)} }

// until reads events up to the message.created of the text and returns
// the ones read.
func (w *watcher) until(text string) []map[string]any {
	w.t.Helper()
	var got []map[string]any
	for {
		ev := w.take(1)[0]
		got = append(got, ev)
		w.seen = append(w.seen, ev)
		if ev["type"] == "message.created" && textOf(ev) == text {
			return got
		}
	}
}

// after is what the watcher saw after the event of id that an agent of
// ext sees.
func (w *watcher) after(id, ext string) []map[string]any {
	w.t.Helper()
	i := slices.IndexFunc(w.seen, func(ev map[string]any) bool { return ev["id"] == id })
	require.GreaterOrEqual(w.t, i, 0, "the watcher saw no event %s", id)
	return visibleTo(ext, w.seen[i+1:])
}

// visibleTo is the events an agent of ext sees: its extension's, and the
// ones whose extensions name it; an admin ("") sees all.
func visibleTo(ext string, events []map[string]any) []map[string]any {
	if ext == "" {
		return events
	}
	var out []map[string]any
	for _, ev := range events {
		exts, _ := ev["extensions"].([]any)
		if ev["extension"] == ext || slices.Contains(exts, any(ext)) {
			out = append(out, ev)
		}
	}
	return out
}

// take reads the next n events, whatever their type.
func (s *stream) take(n int) []map[string]any {
	s.t.Helper()
	deadline := time.After(10 * time.Second)
	var out []map[string]any
	for len(out) < n {
		select {
		case ev := <-s.events:
			out = append(out, ev)
		case <-deadline:
			s.t.Fatalf("%d events of %d came: %v", len(out), n, out)
		}
	}
	return out
}

func textOf(ev map[string]any) string {
	data, _ := ev["data"].(map[string]any)
	text, _ := data["text"].(string)
	return text
}

func ids(events []map[string]any) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i], _ = ev["id"].(string)
	}
	return out
}

func lastEventID(id string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Last-Event-ID", id) }
}

func lastEventIDParam(id string) func(*http.Request) {
	return func(r *http.Request) { r.URL.RawQuery = url.Values{"lastEventId": {id}}.Encode() }
}

// requireResumed checks that a reconnected stream first replays want, in
// order, each with its SSE id.
func requireResumed(t *testing.T, s *stream, want []map[string]any) {
	t.Helper()
	got := s.take(len(want))
	require.Equal(t, ids(want), ids(got))
	for _, ev := range got {
		require.Regexp(t, `^[0-9a-f]{28}$`, ev["id"])
		require.Equal(t, ev["id"], ev["lastEventId"], "the SSE id line is the event's id")
	}
}

func TestStreamResumesWhereTheClientLeft(t *testing.T) {
	e := newEnv(t)
	send := replayChannel(t, e)
	agent := e.token("agent", "1001")
	w := watch(e)
	st := e.stream(agent)
	send(e, customerNo, smsNumber, "m1")
	w.until("m1")
	last := st.nextEvent("message.created", nil)["lastEventId"].(string)
	st.close()

	// While it is away: two messages (one opening a session), and a token
	// revoked, whose revocation is nobody's to replay.
	send(e, customerNo, smsNumber, "m2")
	send(e, "+14155550124", smsNumber, "m3")
	tok := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1002", "name": "gone"}), 201)
	e.expect(e.admin("DELETE", "/api/v1/tokens/"+tok["id"].(string), nil), 204)
	w.until("m3")
	missed := w.after(last, "1001")
	require.Len(t, missed, 3, "m2's message, m3's session and message: %v", missed)

	back := e.streamFrom(agent, lastEventID(last))
	requireResumed(t, back, missed)
	// Then live, from right after the replay.
	send(e, customerNo, smsNumber, "m4")
	live := w.until("m4")
	requireResumed(t, back, visibleTo("1001", live))
	back.close()

	// The parameter does the same for clients that cannot set headers;
	// the header wins when both are there (EventSource keeps the page's
	// URL and sends its newest id in the header).
	send(e, customerNo, smsNumber, "m5")
	m5 := visibleTo("1001", w.until("m5"))
	requireResumed(t, e.streamFrom(agent, lastEventIDParam(live[len(live)-1]["id"].(string))), m5)
	both := e.streamFrom(agent, func(r *http.Request) {
		lastEventIDParam("stale")(r)
		lastEventID(live[len(live)-1]["id"].(string))(r)
	})
	requireResumed(t, both, m5)
}

// An agent's replay holds only the events it would have seen live: its
// extension's and its queues'. The position is the stream's, whoever's
// event the id names.
func TestStreamReplaysOnlyTheAgentsEvents(t *testing.T) {
	e := newEnv(t)
	send := replayChannel(t, e)
	queued, alone := e.token("agent", "1001"), e.token("agent", "1003")
	w := watch(e)
	st := e.stream(alone)
	send(e, "+14155550130", otherNumber, "b1")
	w.until("b1")
	last := st.nextEvent("message.created", nil)["lastEventId"].(string)
	st.close()

	send(e, customerNo, smsNumber, "q1")
	send(e, "+14155550130", otherNumber, "b2")
	send(e, customerNo, smsNumber, "q2")
	w.until("q2")
	require.Len(t, w.after(last, ""), 4, "the admin sees everything: q1's session and message, b2's and q2's messages")

	mine := w.after(last, "1003")
	require.Len(t, mine, 1)
	require.Equal(t, "b2", textOf(mine[0]))
	back := e.streamFrom(alone, lastEventID(last))
	requireResumed(t, back, mine)
	send(e, "+14155550130", otherNumber, "b3")
	require.Equal(t, "b3", textOf(back.take(1)[0]), "q1 and q2 are not 1003's")

	queue := w.after(last, "1001")
	require.Len(t, queue, 3, "q1's session and message, q2's message")
	requireResumed(t, e.streamFrom(queued, lastEventID(last)), queue)
}

// An id the buffer does not hold (unknown, or older than the buffer
// keeps) gets a resync event: the client reloads its state, then follows
// the live events.
func TestStreamResyncsFromAnUnknownID(t *testing.T) {
	var ahead atomic.Int64 // the service's clock runs ahead by this much
	e := newEnv(t, func(c *server.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	})
	send := replayChannel(t, e)
	agent := e.token("agent", "1001")

	st := e.streamFrom(agent, lastEventID("0000000000000000000000000000"))
	require.Equal(t, "resync", st.take(1)[0]["type"])
	send(e, customerNo, smsNumber, "m1")
	require.Equal(t, "m1", textOf(st.nextEvent("message.created", nil)))
	st.close()
	require.Equal(t, "resync", e.streamFrom(agent, lastEventIDParam("nonsense")).take(1)[0]["type"])

	w := watch(e)
	send(e, customerNo, smsNumber, "m2")
	seen := w.until("m2")
	old := seen[0]["id"].(string)
	ahead.Store(int64(6 * time.Minute)) // past the buffer's five minutes
	send(e, customerNo, smsNumber, "m3")
	newest := w.until("m3")
	resync := e.streamFrom(agent, lastEventID(old)).take(1)[0]
	require.Equal(t, "resync", resync["type"], "an id older than the buffer")
	require.Equal(t, newest[len(newest)-1]["id"], resync["lastEventId"], "after reloading, the client stands at the newest event")
}

// Replicas on one PostgreSQL hold the same events in the same order: a
// client that saw an event on replica A resumes from it on replica B.
func TestStreamResumesOnAnotherReplica(t *testing.T) {
	a := newEnvPostgres(t)
	b := newEnvOnSame(t, a)
	send := replayChannel(t, a)
	agent := a.token("agent", "1001")
	onB := watch(b)
	st := a.stream(agent)
	send(a, customerNo, smsNumber, "m1")
	onB.until("m1")
	last := st.nextEvent("message.created", nil)["lastEventId"].(string)
	st.close()

	send(b, customerNo, smsNumber, "m2")
	send(a, "+14155550124", smsNumber, "m3")
	onB.until("m3")
	missed := onB.after(last, "1001")
	require.Len(t, missed, 3)
	back := b.streamFrom(agent, lastEventID(last))
	requireResumed(t, back, missed)
	send(a, customerNo, smsNumber, "m4")
	requireResumed(t, back, visibleTo("1001", onB.until("m4")))
}
