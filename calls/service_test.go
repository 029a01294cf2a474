package calls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// desk is a Zendesk-like helpdesk: it finds Ann Lee, makes tickets and
// contacts and takes journals, and tells the test of every request it
// answered. It also answers a second template's leads (Lee) at /leads.
type desk struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	bodies   map[string][]string
	seen     chan string // every request, as "METHOD /path"
}

func newDesk(t *testing.T) *desk {
	d := &desk{bodies: map[string][]string{}, seen: make(chan string, 100)}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.requests = append(d.requests, key)
		d.bodies[key] = append(d.bodies[key], string(body))
		d.mu.Unlock()
		switch {
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100"}]}`)
		case strings.HasSuffix(r.URL.Path, "/identities.json"):
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/tickets.json":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"ticket":{"id":4711}}`)
		case strings.HasPrefix(r.URL.Path, "/api/v2/tickets/") && r.Method == "PUT":
			fmt.Fprint(w, `{"ticket":{}}`)
		case r.URL.Path == "/leads":
			fmt.Fprint(w, `{"data":[{"id":"L1","name":"Lee","phone":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "POST":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"user":{"id":9001}}`)
		default:
			w.WriteHeader(404)
		}
		d.seen <- key
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *desk) count(key string) int {
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

// waitFor waits until the desk answered a request.
func (d *desk) waitFor(t *testing.T, key string) {
	t.Helper()
	limit := time.After(30 * time.Second)
	for {
		select {
		case got := <-d.seen:
			if got == key {
				return
			}
		case <-limit:
			t.Fatalf("the helpdesk never got %s; it got %v", key, d.requests)
		}
	}
}

// fixture is a calls service over a real SQLite store and job queue, with
// a Zendesk integration connected to the desk and user 361 bound to
// extension 1001.
type fixture struct {
	st    store.Store
	rt    *integrations.Runtime
	svc   *calls.Service
	desk  *desk
	pops  chan calls.ScreenPop
	integ string
}

const settings = `{"contactSync":{"enabled":true,"alwaysQuery":true},
	"ticket":{"enabled":true,"when":"beforeCall","callTypes":["inbound"],"subject":"Call from {{.Call_From}} \"quoted\""},
	"callJournal":{"enabled":true},"screenPop":{"trigger":"ringing"}}`

func newFixture(t *testing.T, bind bool) *fixture {
	t.Helper()
	ctx := context.Background()
	sealer, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	st, err := store.OpenSQLite(ctx, t.TempDir(), sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, desk: newDesk(t), pops: make(chan calls.ScreenPop, 10)}

	xml, err := fs.ReadFile(examples.Templates, "zendesk.xml")
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, st.CreateTemplate(ctx, &store.Template{ID: "tpl_zendesk", Key: "zendesk", Name: "Zendesk", Provider: "helpdesk",
		Version: "1", XML: xml, CreatedAt: now, UpdatedAt: now}, 10))
	f.integ = "int_1"
	require.NoError(t, st.CreateIntegration(ctx, &store.Integration{ID: f.integ, TemplateID: "tpl_zendesk", Status: store.StatusConnected,
		Fields: map[string]string{"base_url": f.desk.URL, "email": "dana@acme.test"}, Secrets: map[string]string{"api_token": "tok-secret"},
		Settings: []byte(settings), CreatedAt: now, UpdatedAt: now, ConnectedAt: now}))
	if bind {
		require.NoError(t, st.ReplaceUsers(ctx, f.integ, []store.HelpdeskUser{{UserID: "361", FirstName: "Dana", Extensions: []string{"1001"}}}))
		require.NoError(t, st.SetUserExtensions(ctx, f.integ, "361", []string{"1001"}))
	}

	f.rt, err = integrations.New(integrations.Config{Store: st, TimeZone: time.UTC,
		Tuning: integrations.Tuning{Retry: engine.RetryPolicy{Max: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}})
	require.NoError(t, err)
	f.svc, err = calls.New(ctx, calls.Config{Store: st, Runtime: f.rt, TimeZone: time.UTC,
		Queue: store.QueueConfig{PollInterval: 20 * time.Millisecond},
		OpenQueue: func(ctx context.Context, qc store.QueueConfig) (store.Queue, error) {
			return store.OpenQueue(ctx, st, qc)
		},
		Publish: func(_ context.Context, p calls.ScreenPop) { f.pops <- p }})
	require.NoError(t, err)
	require.NoError(t, f.svc.Start(ctx))
	t.Cleanup(func() { require.NoError(t, f.svc.Stop(context.Background())) })
	return f
}

// nextPop waits for the next screen pop.
func (f *fixture) nextPop(t *testing.T) calls.ScreenPop {
	t.Helper()
	select {
	case p := <-f.pops:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("no screen pop came")
		return calls.ScreenPop{}
	}
}

func event(name string) scenarios.CallEvent {
	return scenarios.CallEvent{CallID: "c1", Event: name, Direction: "inbound", Extension: "1001",
		External: scenarios.Party{Number: "+14155550100", Name: "Ann Lee"}, StartTime: time.Now().UTC()}
}

func (f *fixture) accept(t *testing.T, e scenarios.CallEvent) bool {
	t.Helper()
	b, _ := json.Marshal(e)
	dup, err := f.svc.Accept(context.Background(), e, calls.EventKey(b))
	require.NoError(t, err)
	return dup
}

// runs returns the call's runs by step.
func (f *fixture) runs(t *testing.T) map[string]*store.Run {
	t.Helper()
	list, err := f.st.ListRuns(context.Background(), store.RunFilter{CallID: "c1"})
	require.NoError(t, err)
	out := map[string]*store.Run{}
	for _, r := range list {
		out[r.Step] = r
	}
	return out
}

// A call's steps run once each, in order, through the integration's
// connection: the caller is looked up, the ticket made with the subject
// the settings' text renders, the agent's screen pops once, and the
// hangup updates the ticket and journals onto it, with the step's
// idempotency key.
func TestCallRunsEachStepOnce(t *testing.T) {
	f := newFixture(t, true)
	ring := event("ringing")
	require.False(t, f.accept(t, ring))
	require.True(t, f.accept(t, ring), "the same delivery again is a duplicate")

	pop := f.nextPop(t)
	require.Equal(t, calls.ScreenPop{CallID: "c1", IntegrationID: f.integ, Trigger: "ringing", Extension: "1001",
		Number: "+14155550100", Name: "Ann Lee", URL: f.desk.URL + "/agent/users/17", ContactID: "17", ContactName: "Ann Lee",
		TicketID: "4711", TicketURL: f.desk.URL + "/agent/tickets/4711"}, pop)

	hangup := event("hangup")
	hangup.EndTime, hangup.Disposition = time.Now().UTC(), "ANSWERED"
	require.False(t, f.accept(t, hangup))
	f.desk.waitFor(t, "PUT /api/v2/tickets/4711.json")

	require.Eventually(t, func() bool {
		j := f.runs(t)[scenarios.StepJournal]
		return j != nil && j.Status == store.RunSucceeded
	}, 30*time.Second, 10*time.Millisecond)
	runs := f.runs(t)
	require.Len(t, runs, 4)
	for _, step := range []string{scenarios.StepLookup, scenarios.StepCreateTicket, scenarios.StepUpdateTicket, scenarios.StepJournal} {
		require.Equal(t, store.RunSucceeded, runs[step].Status, step)
		require.Equal(t, 1, runs[step].Attempts, "%s: %+v", step, runs[step])
	}
	require.Equal(t, 1, f.desk.count("POST /api/v2/tickets.json"))
	require.Equal(t, 2, f.desk.count("PUT /api/v2/tickets/4711.json"), "the ticket's update and the journal")
	f.desk.mu.Lock()
	ticket := f.desk.bodies["POST /api/v2/tickets.json"][0]
	f.desk.mu.Unlock()
	require.Contains(t, ticket, `"subject":"Call from Ann Lee <+14155550100> \"quoted\""`, "the subject is the settings' text, rendered and escaped for JSON")

	var trace []engine.Exchange
	require.NoError(t, json.Unmarshal(runs[scenarios.StepJournal].Trace, &trace))
	require.Len(t, trace, 1)
	require.Equal(t, "c1:"+f.integ+":"+scenarios.StepJournal+":CallJournal", trace[0].RequestHeaders["Idempotency-Key"])
	require.NotContains(t, string(runs[scenarios.StepJournal].Trace), "tok-secret", "secrets are masked in traces")

	select {
	case p := <-f.pops:
		t.Fatalf("the screen popped twice: %+v", p)
	default:
	}
}

// A call no integration takes says why on the call, naming what to do.
func TestUnroutedCallSaysWhy(t *testing.T) {
	f := newFixture(t, false)
	f.accept(t, event("ringing"))
	require.Eventually(t, func() bool {
		_, c, err := f.svc.Call(context.Background(), "c1")
		return err == nil && c.Unrouted != ""
	}, 30*time.Second, 10*time.Millisecond)
	_, c, err := f.svc.Call(context.Background(), "c1")
	require.NoError(t, err)
	require.Contains(t, c.Unrouted, "int_1 (tpl_zendesk) has no helpdesk user bound to extension 1001")
	require.Zero(t, f.desk.count("GET /api/v2/search.json"))
}

// A failed run is retried by hand; one that has not failed is refused with
// the reason.
func TestRetryRunRefusesRunsNotFailed(t *testing.T) {
	f := newFixture(t, true)
	f.accept(t, event("ringing"))
	require.Eventually(t, func() bool {
		r := f.runs(t)[scenarios.StepCreateTicket]
		return r != nil && r.Status == store.RunSucceeded
	}, 30*time.Second, 10*time.Millisecond)
	_, err := f.svc.RetryRun(context.Background(), f.runs(t)[scenarios.StepCreateTicket].ID)
	var conflict *calls.ConflictError
	require.ErrorAs(t, err, &conflict)
	require.Contains(t, conflict.Reason, "only failed runs are retried")
	_, err = f.svc.RetryRun(context.Background(), "run_unknown")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// The service follows River's startstop rules: Start twice is one start,
// Stop without Start or twice does nothing, and it starts again after a
// Stop — working what was queued while it was stopped.
func TestStartAndStopAreSafeToRepeat(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	idle, err := calls.New(ctx, calls.Config{Store: f.st, Runtime: f.rt,
		OpenQueue: func(ctx context.Context, qc store.QueueConfig) (store.Queue, error) {
			return store.OpenQueue(ctx, f.st, qc)
		}})
	require.NoError(t, err)
	require.NoError(t, idle.Stop(ctx), "Stop without Start")
	require.NoError(t, f.svc.Start(ctx), "a second Start")
	require.NoError(t, f.svc.Stop(ctx))
	require.NoError(t, f.svc.Stop(ctx), "a second Stop")
	f.accept(t, event("ringing"))
	require.NoError(t, f.svc.Start(ctx))
	f.nextPop(t)
}
