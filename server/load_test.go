package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A helpdesk that does not answer never holds up ingestion, and however
// many calls arrive at once, at most MaxConcurrentRequest requests are in
// flight to it.
func TestSlowHelpdeskLimitsAndIngestion(t *testing.T) {
	e := newEnv(t)
	limitedCalls(t, e, e)
}

// Two replicas on one PostgreSQL: each has its own process-local limiter,
// yet requests in flight to the helpdesk never exceed MaxConcurrentRequest
// across both.
func TestLimitHoldsAcrossReplicas(t *testing.T) {
	a := newEnvPostgres(t)
	b := newEnvOnSame(t, a)
	limitedCalls(t, a, b)
}

// limitedCalls connects a template with MaxConcurrentRequest=3 through a,
// posts calls to a and b in turn while the helpdesk holds every request,
// and checks the peak in flight.
func limitedCalls(t *testing.T, e, other *env) {
	var inflight, peak, served atomic.Int32
	gate := make(chan struct{})
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/users" {
			fmt.Fprint(w, `{"users":[{"id":"u1","email":"dana@acme.test"}]}`)
			return
		}
		n := inflight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-gate
		inflight.Add(-1)
		served.Add(1)
		fmt.Fprint(w, `{"data":[]}`)
	}))
	t.Cleanup(desk.Close)
	t.Cleanup(func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	})
	tpl := strings.Replace(customTemplate("limited", "{{.base}}/search?q={{.Phone}}"), `AuthType="none"`, `AuthType="none" MaxConcurrentRequest="3" UserAssociation="1"`, 1)
	tpl = strings.Replace(tpl, "</Scenarios>", `<Scenario Id="UserAssociation" Type="REST"><Requests>
<Request Name="UserAssociation" Method="GET" URLFormat="{{.base}}/users"><Outputs><Output Name="UserUniqueId" Path="users.#.id"/><Output Name="Email" Path="users.#.email"/></Outputs></Request>
</Requests></Scenario></Scenarios>`, 1)
	created := e.expect(e.admin("POST", "/api/v1/templates", tpl), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": created["id"], "fields": map[string]string{"base": desk.URL, "api_key": "k"}}), 201)
	id := in["id"].(string)
	e.expect(e.admin("PUT", "/api/v1/extensions/1001", map[string]string{"email": "dana@acme.test"}), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/sync", nil), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/autobind", nil), 200)
	e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/settings", map[string]any{"contactSync": map[string]any{"enabled": true, "alwaysQuery": true}}), 200)

	// Every event is acknowledged while the helpdesk holds every request.
	const calls = 30
	for i := range calls {
		to := e
		if i%2 == 1 {
			to = other
		}
		to.expect(to.admin("POST", "/api/v1/events/calls", callEvent(fmt.Sprint("load-", i), "ringing", nil)), 202)
	}
	require.Eventually(t, func() bool { return inflight.Load() == 3 }, 15*time.Second, 10*time.Millisecond, "requests reach the limit")
	require.Zero(t, served.Load())
	if e == other {
		metrics := string(e.do("GET", "/metrics", "", nil).Body)
		require.Contains(t, metrics, `switchboard_call_events_total{result="accepted",source="switchboard"} 30`)
		require.Contains(t, metrics, `switchboard_remote_requests_waiting{integration="`+id+`"}`)
	}

	close(gate)
	require.Eventually(t, func() bool { return served.Load() == calls }, 30*time.Second, 10*time.Millisecond)
	require.EqualValues(t, 3, peak.Load(), "never more than MaxConcurrentRequest in flight")
	for i := range calls {
		e.waitRuns(fmt.Sprint("load-", i), map[string]string{"lookup": "succeeded"})
	}
}
