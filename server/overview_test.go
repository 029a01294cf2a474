package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// overviewCounts is GET /api/v1/overview with its byHour lists summed up
// and checked against the totals.
type overviewCounts struct {
	raw                                 map[string]any
	calls, lastHours                    int // lastHours: calls of the last two hours
	total, received, sent, succ, failed int
	failedRuns, pendingRuns             int
	jobs, outbound, offers              int
}

func (e *env) overview() overviewCounts {
	e.t.Helper()
	o := e.expect(e.admin("GET", "/api/v1/overview", nil), 200)
	n := func(m any, key string) int { return int(m.(map[string]any)[key].(float64)) }
	hours := func(m any) []int {
		var out []int
		for _, v := range m.(map[string]any)["byHour"].([]any) {
			out = append(out, int(v.(float64)))
		}
		require.Len(e.t, out, 24)
		return out
	}
	sum := func(l []int) int {
		s := 0
		for _, v := range l {
			s += v
		}
		return s
	}
	c, m, r, b := o["calls"], o["messages"], o["runs"], o["backlog"]
	ch, mh := hours(c), hours(m)
	require.Equal(e.t, n(c, "total"), sum(ch), "calls by hour add up to the total")
	require.Equal(e.t, n(m, "total"), sum(mh), "messages by hour add up to the total")
	return overviewCounts{raw: o, calls: n(c, "total"), lastHours: ch[22] + ch[23],
		total: n(m, "total"), received: n(m, "received"), sent: n(m, "sent"), succ: n(m, "succeeded"), failed: n(m, "failed"),
		failedRuns: n(r, "failed"), pendingRuns: n(r, "pending"), jobs: n(b, "jobs"), outbound: n(b, "outbound"), offers: n(b, "offers")}
}

// The overview counts what happened through the API: calls posted by the
// PBX, a customer's SMS offered to a queue, taken over and answered, and
// what waits while the service is stopped.
func TestOverviewCounts(t *testing.T) {
	onBothStores(t, func(t *testing.T, open func(t *testing.T, mutate ...func(*server.Config)) *env) {
		overviewAfterCallsAndMessages(t, open(t))
	})
}

func overviewAfterCallsAndMessages(t *testing.T, e *env) {
	// The period: the last 24 whole hours in UTC, the current one last.
	got := e.overview()
	// (The messaging duties' jobs may be waiting already.)
	require.Equal(t, overviewCounts{raw: got.raw, jobs: got.jobs}, got, "nothing yet")
	since, err := time.Parse(time.RFC3339, got.raw["since"].(string))
	require.NoError(t, err)
	until, err := time.Parse(time.RFC3339, got.raw["until"].(string))
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, until.Sub(since))
	require.Equal(t, since, since.Truncate(time.Hour), "hours begin on the hour")
	require.Equal(t, time.UTC, since.Location())
	require.True(t, time.Now().Before(until) && time.Now().After(until.Add(-time.Hour)), "the last hour is the current one: %v", until)
	require.EqualValues(t, 24, got.raw["hours"])

	// Two calls from the PBX (no integration takes them).
	for _, id := range []string{"ov-1", "ov-2"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent(id, "ringing", nil)), 202)
	}
	got = e.overview()
	require.Equal(t, 2, got.calls)
	require.Equal(t, 2, got.lastHours, "in the current hour (or the one before, at the turn of an hour)")

	// A customer's SMS, offered to the queue.
	p := genericSMSProvider(t, smsAPIKey)
	ch, _ := smsChannel(t, e, p)
	body := genericInbound("ov-in-1", customerNo, smsNumber, "Where is my order?")
	require.Equal(t, 204, e.webhook(ch["webhookUrl"].(string), "application/json", body, "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)).Status)
	got = e.overview()
	require.Equal(t, 1, got.total)
	require.Equal(t, 1, got.received)
	require.Equal(t, 1, got.offers, "waiting for an agent")

	// 1001 takes it over and answers: sent.
	a1 := e.token("agent", "1001")
	sid := e.expect(e.do("GET", "/api/v1/sessions", a1, nil), 200)["sessions"].([]any)[0].(map[string]any)["id"].(string)
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/takeover", a1, nil), 200)
	sent := e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": "It ships today."}), 202)
	e.waitMessage(a1, sid, sent["id"].(string), "sent")
	got = e.overview()
	require.Equal(t, 2, got.total)
	require.Equal(t, 1, got.received)
	require.Equal(t, 1, got.sent)
	require.Equal(t, 1, got.succ)
	require.Equal(t, 0, got.failed)
	require.Equal(t, 0, got.offers, "taken over")
	require.Equal(t, 0, got.outbound)

	// Stopped, the service keeps what comes: the PBX's events are stored
	// in their calls (no integration takes them, so no work waits), the
	// agent's answer waits to be sent.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.s.Stop(ctx))
	before := e.overview()
	for _, id := range []string{"ov-3", "ov-4"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent(id, "ringing", nil)), 202)
	}
	e.expect(e.do("POST", "/api/v1/sessions/"+sid+"/messages", a1, map[string]string{"text": "Anything else?"}), 202)
	got = e.overview()
	require.Equal(t, 4, got.calls)
	require.Equal(t, before.jobs, got.jobs, "no work is due for calls no integration takes")
	require.Equal(t, 1, got.outbound, "the answer waits to be sent")
	require.Equal(t, 3, got.total)
	require.Equal(t, 1, got.sent, "a message waiting is not sent yet")
}

// A step that keeps failing counts as a failed run; retried and done, it no
// longer does. Agents may not read the overview; ?hours= sets the period.
func TestOverviewCountsFailedRuns(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Queue.GiveUpAfter = 300 * time.Millisecond })
	d := newCallDesk(t)
	connectDesk(t, e, d, everything)
	d.failPuts.Store(1 << 20)
	for _, ev := range []string{"ringing", "hangup"} {
		e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("ov-f", ev, map[string]any{"disposition": "ANSWERED"})), 202)
	}
	// Given up. A job given up is not the end by itself: the hangup's job
	// may still try the step the ringing's job gave up on (and the step
	// counts as pending while it runs), so the counts are waited for;
	// once every job of the call has ended they hold.
	failed := e.waitGivenUp()
	var got overviewCounts
	require.Eventually(t, func() bool {
		got = e.overview()
		return got.failedRuns == 1 && got.pendingRuns == 0
	}, 20*time.Second, 20*time.Millisecond, "the failed step, not running")
	require.Equal(t, 1, got.calls)

	d.failPuts.Store(0)
	// Retried; or, when another of the call's jobs was trying it again
	// (409: not failed), done by that job now that the desk answers.
	require.Eventually(t, func() bool {
		if e.admin("POST", "/api/v1/runs/"+failed["id"].(string)+"/retry", nil).Status == 202 {
			return true
		}
		runs := e.expect(e.admin("GET", "/api/v1/runs?status=succeeded&callId=ov-f", nil), 200)["runs"].([]any)
		for _, r := range runs {
			if r.(map[string]any)["id"] == failed["id"] {
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond)
	e.waitRuns("ov-f", map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "updateTicket": "succeeded", "journal": "succeeded"})
	got = e.overview()
	require.Equal(t, 0, got.failedRuns, "retried and done")
	require.Equal(t, 0, got.pendingRuns)

	require.Equal(t, 403, e.do("GET", "/api/v1/overview", e.token("agent", "1001"), nil).Status)
	one := e.expect(e.admin("GET", "/api/v1/overview?hours=1", nil), 200)
	require.Len(t, one["calls"].(map[string]any)["byHour"], 1)
	require.EqualValues(t, 1, one["calls"].(map[string]any)["total"])
	for _, bad := range []string{"0", "169", "x"} {
		r := e.admin("GET", "/api/v1/overview?hours="+bad, nil)
		require.Equal(t, 400, r.Status, bad)
		require.Equal(t, "bad_request", errCode(t, r))
	}
}
