package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// outage stands in front of a helpdesk and answers 500 to everything while
// it is down.
type outage struct {
	*httptest.Server
	down   atomic.Bool
	failed atomic.Int64
}

func newOutage(t *testing.T, behind string) *outage {
	target, err := url.Parse(behind)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	o := &outage{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.down.Load() {
			o.failed.Add(1)
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"InternalError"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(o.Close)
	return o
}

// Calls queued while the helpdesk is down are retried with short, capped
// waits and all finish once it heals, however many attempts failed (a
// count of attempts used to end the work of an outage of a minute). The
// waits are scaled down here; store's TestBackoffIsCappedByAge checks the
// real ones.
func TestQueuedCallsFinishAfterAnOutage(t *testing.T) {
	const calls, failedAttempts = 6, 12
	e := newEnv(t, func(c *server.Config) {
		c.Queue.RetryPolicy = store.Backoff{Base: 5 * time.Millisecond, Cap: 40 * time.Millisecond}.WithDefaults()
	})
	d, o := callsDuringOutage(t, e, "out-", calls)
	// Wait until every call has failed more often than the old limit of
	// ten attempts allowed.
	require.Eventually(t, func() bool {
		for i := range calls {
			r := e.admin("GET", fmt.Sprint("/api/v1/calls/out-", i), nil)
			if r.Status != 200 {
				return false
			}
			most := 0.0
			for _, run := range r.JSON(t)["runs"].([]any) {
				m := run.(map[string]any)
				require.NotEqual(t, "succeeded", m["status"], "nothing succeeds while the helpdesk is down")
				most = max(most, m["attempts"].(float64))
			}
			if most < failedAttempts {
				return false
			}
		}
		return true
	}, 60*time.Second, 20*time.Millisecond)

	o.down.Store(false)
	healed := time.Now()
	for i := range calls {
		e.waitRuns(fmt.Sprint("out-", i), map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "journal": "succeeded"})
	}
	t.Logf("%d calls finished %s after the helpdesk healed (%d requests failed during the outage)", calls, time.Since(healed).Round(time.Millisecond), o.failed.Load())
	require.Equal(t, int32(calls), d.tickets.Load(), "one ticket per call")
}

// The same at full scale with the default retry policy: an outage of a
// minute, then every queued call must be done within 15 s of recovery.
// It takes over a minute, so it runs only when asked for
// (SWITCHBOARD_LONG_TESTS=1); the last measurement is in CHANGELOG.md.
func TestQueuedCallsFinishSoonAfterAMinuteOfOutage(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LONG_TESTS") == "" {
		t.Skip("set SWITCHBOARD_LONG_TESTS=1: waits out a one-minute outage")
	}
	const calls = 20
	e := newEnv(t, func(c *server.Config) { c.Queue.RetryPolicy = nil })
	_, o := callsDuringOutage(t, e, "long-", calls)
	time.Sleep(time.Minute) // the outage itself: what is measured is what follows
	o.down.Store(false)
	healed := time.Now()
	for i := range calls {
		e.waitRunsWithin(fmt.Sprint("long-", i), map[string]string{"lookup": "succeeded", "createTicket": "succeeded", "journal": "succeeded"}, time.Minute)
	}
	took := time.Since(healed)
	t.Logf("%d calls finished %s after a one-minute outage ended (%d requests failed during it)", calls, took.Round(time.Millisecond), o.failed.Load())
	require.Less(t, took, 15*time.Second)
}

// callsDuringOutage connects a helpdesk behind an outage, takes it down and
// sends n answered calls (ringing and hangup), named prefix0, prefix1, …
func callsDuringOutage(t *testing.T, e *env, prefix string, n int) (*callDesk, *outage) {
	d := newCallDesk(t)
	o := newOutage(t, d.URL)
	connectDesk(t, e, &callDesk{Server: o.Server}, `{"contactSync":{"enabled":true,"alwaysQuery":true},
		"ticket":{"enabled":true,"when":"afterCall","callTypes":["inboundAnswered"]},"callJournal":{"enabled":true}}`)
	o.down.Store(true)
	for i := range n {
		for _, ev := range []string{"ringing", "hangup"} {
			e.expect(e.admin("POST", "/api/v1/events/calls", callEvent(fmt.Sprint(prefix, i), ev, map[string]any{"disposition": "ANSWERED"})), 202)
		}
	}
	return d, o
}
