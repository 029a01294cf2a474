package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// callDesk is a Zendesk-like helpdesk that counts what it is sent. Ticket
// PUTs fail while failPuts > 0.
type callDesk struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	bodies   map[string][]string
	urls     []string // every request's path and query, in order
	failPuts atomic.Int32
	tickets  atomic.Int32
	// failTickets: ticket POSTs fail (503) while it is above 0.
	failTickets atomic.Int32
}

// unknownCaller is a number the call desk knows nobody by (its digits).
const unknownCaller = "14155550126"

func newCallDesk(t *testing.T) *callDesk {
	d := &callDesk{bodies: map[string][]string{}}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		body := readBody(r)
		d.mu.Lock()
		d.requests = append(d.requests, key)
		d.bodies[key] = append(d.bodies[key], body)
		d.urls = append(d.urls, r.URL.RequestURI())
		d.mu.Unlock()
		switch {
		case r.URL.Path == "/api/v2/search.json" && strings.Contains(r.URL.Query().Get("query"), unknownCaller):
			fmt.Fprint(w, `{"results":[],"count":0}`)
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100"}]}`)
		case strings.HasSuffix(r.URL.Path, "/identities.json"):
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "GET":
			fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana Agent","email":"dana@acme.test"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "POST":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"user":{"id":9001}}`)
		case r.URL.Path == "/api/v2/tickets.json":
			if d.failTickets.Add(-1) >= 0 {
				w.WriteHeader(503)
				fmt.Fprint(w, `{"error":"down for maintenance"}`)
				return
			}
			n := d.tickets.Add(1)
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"ticket":{"id":%d}}`, 4710+n)
		case strings.HasPrefix(r.URL.Path, "/api/v2/tickets/") && r.Method == "PUT":
			if d.failPuts.Add(-1) >= 0 {
				w.WriteHeader(503)
				fmt.Fprint(w, `{"error":"down for maintenance"}`)
				return
			}
			fmt.Fprint(w, `{"ticket":{}}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *callDesk) count(key string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, r := range d.requests {
		if r == key {
			n++
		}
	}
	return n
}

// connectDesk connects the Zendesk template to the desk, binds Dana (361)
// to extension 1001 and applies the settings.
func connectDesk(t *testing.T, e *env, d *callDesk, settings string) string {
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(d.URL)}), 201)
	id := in["id"].(string)
	e.expect(e.admin("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "lastName": "Agent", "email": "dana@acme.test"}), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/sync", nil), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/autobind", nil), 200)
	e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/settings", json.RawMessage(settings)), 200)
	return id
}

func callEvent(callID, event string, extra map[string]any) map[string]any {
	ev := map[string]any{"callId": callID, "event": event, "direction": "inbound", "extension": "1001",
		"external": map[string]string{"number": "+14155550100", "name": "Ann Lee"}}
	for k, v := range extra {
		ev[k] = v
	}
	return ev
}

// waitRuns waits until the call's runs reach the wanted statuses.
func (e *env) waitRuns(callID string, want map[string]string) map[string]any {
	e.t.Helper()
	return e.waitRunsWithin(callID, want, 20*time.Second)
}

func (e *env) waitRunsWithin(callID string, want map[string]string, limit time.Duration) map[string]any {
	e.t.Helper()
	var last map[string]any
	defer func() {
		if e.t.Failed() {
			e.t.Logf("last state of %s: %v", callID, last)
		}
	}()
	require.Eventually(e.t, func() bool {
		r := e.admin("GET", "/api/v1/calls/"+callID, nil)
		if r.Status != 200 {
			return false
		}
		last = r.JSON(e.t)
		got := map[string]string{}
		for _, run := range last["runs"].([]any) {
			m := run.(map[string]any)
			got[m["step"].(string)] = m["status"].(string)
		}
		for step, status := range want {
			if got[step] != status {
				return false
			}
		}
		return len(got) == len(want)
	}, limit, 20*time.Millisecond, "runs of %s never reached %v", callID, want)
	return last
}

const everything = `{"contactSync":{"enabled":true,"alwaysQuery":true},
	"ticket":{"enabled":true,"when":"beforeCall","callTypes":["inbound"],"subject":"Call from {{.Call_From}}"},
	"callJournal":{"enabled":true,"playRecording":true}}`

func TestCallLifecycle(t *testing.T) { callLifecycle(t, newEnv(t)) }

func TestCallLifecyclePostgres(t *testing.T) { callLifecycle(t, newEnvPostgres(t)) }

func callLifecycle(t *testing.T, e *env) {
	d := newCallDesk(t)
	id := connectDesk(t, e, d, everything)
	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "pbx"}), 201)["token"].(string)

	// Ringing: lookup and the ticket before the call.
	r := e.expect(e.do("POST", "/api/v1/events/calls", pbx, callEvent("call-1", "ringing", map[string]any{"startTime": "2026-11-21T10:00:00Z"})), 202)
	require.Equal(t, false, r["duplicate"])
	got := e.waitRuns("call-1", map[string]string{"lookup": "succeeded", "createTicket": "succeeded"})
	link := got["integrations"].(map[string]any)[id].(map[string]any)
	require.Equal(t, "17", link["ContactId"])
	require.Equal(t, "4711", link["TicketId"])
	require.Equal(t, "361", link["CrmId"])
	require.Equal(t, d.URL+"/agent/users/17", link["ContactUrl"])
	require.Contains(t, d.bodies["POST /api/v2/tickets.json"][0], `"subject":"Call from Ann Lee <+14155550100>"`, "the settings' subject, rendered")
	require.Contains(t, d.bodies["POST /api/v2/tickets.json"][0], `"requester_id":17`)

	// Answered and hangup: the ticket is updated and the call journalled.
	e.expect(e.do("POST", "/api/v1/events/calls", pbx, callEvent("call-1", "answered", map[string]any{"answerTime": "2026-11-21T10:00:05Z"})), 202)
	// Merged before the 202, not only by its job: the hangup's work, which
	// may run before the answered event's job, must see the answer.
	require.Equal(t, "2026-11-21T10:00:05Z", e.expect(e.admin("GET", "/api/v1/calls/call-1", nil), 200)["call"].(map[string]any)["answerTime"])
	e.expect(e.do("POST", "/api/v1/events/calls", pbx, callEvent("call-1", "hangup", map[string]any{
		"endTime": "2026-11-21T10:01:35Z", "disposition": "ANSWERED", "recording": "https://pbx.test/rec/call-1.wav"})), 202)
	got = e.waitRuns("call-1", map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"})
	require.Equal(t, 1, d.count("GET /api/v2/search.json"), "the lookup of ringing is not repeated at hangup")
	require.Equal(t, 1, d.count("POST /api/v2/tickets.json"))
	require.Equal(t, 2, d.count("PUT /api/v2/tickets/4711.json"), "update and journal")
	journal := d.bodies["PUT /api/v2/tickets/4711.json"][1]
	require.Contains(t, journal, `"call_duration":90`)
	require.Contains(t, journal, e.srv.URL+"/recordings/", "the recording is a signed Switchboard link")
	call := got["call"].(map[string]any)
	require.Equal(t, "hangup", call["state"])

	// Repeated deliveries change nothing.
	dup := e.expect(e.do("POST", "/api/v1/events/calls", pbx, callEvent("call-1", "hangup", map[string]any{
		"endTime": "2026-11-21T10:01:35Z", "disposition": "ANSWERED", "recording": "https://pbx.test/rec/call-1.wav"})), 202)
	require.Equal(t, true, dup["duplicate"])
	time.Sleep(0) // nothing to wait for: a duplicate is not stored
	require.Equal(t, 1, d.count("POST /api/v2/tickets.json"))
}

func TestFailedStepsAreRetriedWithoutRepeatingTheOthers(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, everything)
	d.failPuts.Store(2) // the first two ticket PUTs answer 503 (the engine tries each request twice)
	for _, ev := range []string{"ringing", "hangup"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("call-2", ev, map[string]any{"disposition": "ANSWERED"})), 202)
	}
	got := e.waitRuns("call-2", map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"})
	require.Equal(t, 1, d.count("POST /api/v2/tickets.json"), "a retried job never opens a second ticket")
	require.Equal(t, 1, d.count("GET /api/v2/search.json"))
	for _, run := range got["runs"].([]any) {
		m := run.(map[string]any)
		if m["step"] == "updateTicket" {
			require.Greater(t, m["attempts"].(float64), 1.0)
		}
	}
}

// Work that keeps failing for longer than GiveUpAfter ends failed (River's
// cancelled state) with its error and trace, and can be retried by hand.
func TestFailedRunsAreListedAndRetried(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Queue.GiveUpAfter = 300 * time.Millisecond })
	d := newCallDesk(t)
	connectDesk(t, e, d, everything)
	d.failPuts.Store(1 << 20) // the helpdesk refuses every update
	for _, ev := range []string{"ringing", "hangup"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("call-3", ev, map[string]any{"disposition": "ANSWERED"})), 202)
	}
	e.waitRuns("call-3", map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "failed"})
	// Once the job is older than GiveUpAfter it is given up; the run stays
	// failed, with its error and trace. (Both the ringing and the hangup
	// work of the call try it: each job ends with it once the call has
	// hung up.)
	failed := e.waitGivenUp()
	require.Contains(t, failed["lastError"], "HTTP 503")
	require.NotEmpty(t, failed["trace"])

	d.failPuts.Store(0)
	// The last attempt may still be ending: then the API says so (409).
	// (The call's other job may still be trying the step and succeed first.)
	var lastRetry resp
	require.Eventually(t, func() bool {
		lastRetry = e.admin("POST", "/api/v1/runs/"+failed["id"].(string)+"/retry", nil)
		return lastRetry.Status == 202 || strings.Contains(string(lastRetry.Body), "is succeeded")
	}, 10*time.Second, 20*time.Millisecond, "retry kept answering: %s", &lastRetry)
	e.waitRuns("call-3", map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"})
	require.Equal(t, 1, d.count("POST /api/v2/tickets.json"))
	r := e.admin("POST", "/api/v1/runs/"+failed["id"].(string)+"/retry", nil)
	require.Equal(t, 409, r.Status, "only failed runs are retried")
	require.Equal(t, 404, e.admin("POST", "/api/v1/runs/nope/retry", nil).Status)
	require.Equal(t, 400, e.admin("GET", "/api/v1/runs?status=weird", nil).Status)
}

func TestYeastarWebhooksDriveCalls(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true,"alwaysQuery":true},"ticket":{"enabled":true,"when":"afterCall","callTypes":["inboundMissed"]}}`)
	ringing := `{"type":30011,"sn":"x","msg":"{\"call_id\":\"1725446451.243\",\"members\":[{\"inbound\":{\"from\":\"+14155550100\",\"to\":\"6402\",\"member_status\":\"ALERT\"}},{\"extension\":{\"number\":\"1001\",\"member_status\":\"RING\"}}]}"}`
	cdr := `{"type":30012,"sn":"x","msg":"{\"call_id\":\"1725446451.243\",\"time_start\":\"2026-11-21 10:00:00\",\"call_from\":\"+14155550100\",\"call_to\":\"1001\",\"call_duration\":20,\"talk_duration\":0,\"status\":\"NO ANSWER\",\"type\":\"Inbound\",\"recording\":\"\"}"}`
	e.expect(e.admin("POST", "/api/v1/events/yeastar", ringing), 202)
	e.expect(e.admin("POST", "/api/v1/events/yeastar", cdr), 202)
	require.Equal(t, true, e.expect(e.admin("POST", "/api/v1/events/yeastar", cdr), 202)["duplicate"])
	got := e.waitRuns("1725446451.243", map[string]string{"lookup": "succeeded", "createTicket": "succeeded"})
	require.Equal(t, "NO ANSWER", got["call"].(map[string]any)["disposition"])
	ignored := e.expect(e.admin("POST", "/api/v1/events/yeastar", `{"type":30008,"sn":"x","msg":"{}"}`), 202)
	require.Equal(t, "event type 30008", ignored["ignored"])
	require.Equal(t, 400, e.admin("POST", "/api/v1/events/yeastar", `{"type":30012,"msg":"{broken"}`).Status)
}

func TestCallEventsAreCheckedAndGuarded(t *testing.T) {
	e := newEnv(t)
	r := e.admin("POST", "/api/v1/events/calls", map[string]any{"callId": "c", "event": "ring", "direction": "inbound", "extension": "1", "external": map[string]string{"number": "1"}})
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), `event \"ring\" is not ringing, answered or hangup`)
	require.Equal(t, 400, e.admin("POST", "/api/v1/events/calls", map[string]any{"callId": "c", "extra": 1}).Status)
	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "a"}), 201)["token"].(string)
	require.Equal(t, 403, e.do("POST", "/api/v1/events/calls", agent, callEvent("c", "ringing", nil)).Status)
	require.Equal(t, 401, e.do("POST", "/api/v1/events/calls", "", callEvent("c", "ringing", nil)).Status)
	require.Equal(t, 404, e.admin("GET", "/api/v1/calls/nope", nil).Status)

	// A call on an extension no helpdesk user is bound to runs nothing,
	// and says why.
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("lonely", "hangup", map[string]any{"extension": "2002"})), 202)
	got := e.waitUnrouted("lonely")
	require.Empty(t, got["runs"])
	require.Equal(t, "no helpdesk or CRM integration is set up (POST /api/v1/integrations)", got["call"].(map[string]any)["unrouted"])

	d := newCallDesk(t)
	id := connectDesk(t, e, d, `{"contactSync":{"enabled":true}}`)
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("lonely-2", "hangup", map[string]any{"extension": "2002"})), 202)
	got = e.waitUnrouted("lonely-2")
	require.Contains(t, got["call"].(map[string]any)["unrouted"], id+" (builtin_zendesk) has no helpdesk user bound to extension 2002")
}

// A step whose every request was skipped (its URL rendered empty) is shown
// as skipped with the reason, not as succeeded: here the Zendesk journal,
// a comment on the call's ticket, while tickets are off.
func TestSkippedStepsSayWhy(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	connectDesk(t, e, d, `{"contactSync":{"enabled":true},"callJournal":{"enabled":true}}`)
	for _, ev := range []string{"ringing", "hangup"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("no-ticket", ev, map[string]any{"disposition": "ANSWERED"})), 202)
	}
	got := e.waitRuns("no-ticket", map[string]string{"lookup": "succeeded", "journal": "skipped"})
	for _, run := range got["runs"].([]any) {
		m := run.(map[string]any)
		if m["step"] == "journal" {
			require.Equal(t, "request CallJournal was not sent: URLFormat rendered empty (it reads TicketId, which this call does not have)", m["skipReason"])
			require.Nil(t, m["lastError"])
		}
	}
	require.Zero(t, d.count("PUT /api/v2/tickets/.json"))
}

// waitUnrouted waits until a call says why no integration works on it.
func (e *env) waitUnrouted(callID string) map[string]any {
	e.t.Helper()
	var got map[string]any
	require.Eventually(e.t, func() bool {
		r := e.admin("GET", "/api/v1/calls/"+callID, nil)
		if r.Status != 200 {
			return false
		}
		got = r.JSON(e.t)
		return got["call"].(map[string]any)["unrouted"] != nil
	}, 10*time.Second, 20*time.Millisecond)
	return got
}

// waitGivenUp waits until exactly one run has failed and its job was
// given up (River's cancelled state), and returns it.
func (e *env) waitGivenUp() map[string]any {
	e.t.Helper()
	var failed map[string]any
	require.Eventually(e.t, func() bool {
		runs := e.expect(e.admin("GET", "/api/v1/runs?status=failed", nil), 200)["runs"].([]any)
		if len(runs) != 1 || runs[0].(map[string]any)["jobState"] != "cancelled" {
			return false
		}
		failed = runs[0].(map[string]any)
		return true
	}, 20*time.Second, 20*time.Millisecond)
	return failed
}
