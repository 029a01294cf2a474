package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// callsDeskToken is the API token the journey's helpdesk is connected
// with: no page may show it.
const callsDeskToken = "zd-secret-token-42"

// callsDesk is a Zendesk-like helpdesk that knows Ann Lee and one agent,
// creates contacts and tickets, and refuses tickets (HTTP 500) while
// failTickets is set.
func callsDesk(t *testing.T, failTickets *atomic.Bool) *httptest.Server {
	var tickets atomic.Int32
	d := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v2/search.json" && strings.Contains(r.URL.Query().Get("query"), "4155550100"):
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[]}`)
		case strings.HasSuffix(r.URL.Path, "/identities.json"):
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "GET":
			fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana Agent","email":"dana@acme.test"}]}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "POST":
			w.WriteHeader(201)
			fmt.Fprint(w, `{"user":{"id":9001}}`)
		case r.URL.Path == "/api/v2/tickets.json" && failTickets.Load():
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"InternalError","description":"tickets are down"}`)
		case r.URL.Path == "/api/v2/tickets.json":
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"ticket":{"id":%d}}`, 4710+tickets.Add(1))
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(d.Close)
	return d
}

// The calls pages and the agent's console, in the browser against the real
// binary: a call whose ticket the helpdesk refuses shows in the admin's
// list with its failed step; its page shows the step's masked trace (the
// helpdesk's token is nowhere on it); once the helpdesk is back, Retry
// makes the ticket. The agent of the extension sees the call among their
// recent calls, and creates the contact of an unknown caller from the
// call's card, whose ticket link it shows.
func TestBrowserCallsPagesAndAgentCalls(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	p := &proc{addr: addr}
	var failTickets atomic.Bool
	failTickets.Store(true)
	desk := callsDesk(t, &failTickets)
	in := as("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk",
		"fields": map[string]string{"base_url": desk.URL, "email": "a@acme.test", "api_token": callsDeskToken}})
	id := in["id"].(string)
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"})
	as("POST", "/api/v1/integrations/"+id+"/users/sync", nil)
	as("POST", "/api/v1/integrations/"+id+"/users/autobind", nil)
	as("PUT", "/api/v1/integrations/"+id+"/settings", map[string]any{
		"contactSync": map[string]any{"enabled": true}, "screenPop": map[string]any{"trigger": "ringing"},
		"ticket": map[string]any{"enabled": true, "when": "beforeCall", "callTypes": []string{"inbound"}}})
	as("POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	as("POST", "/api/v1/users", map[string]any{"name": "dana", "role": "agent", "extension": "1001", "password": "agent password 1"})

	// Ann Lee calls 1001; the helpdesk refuses the ticket.
	as("POST", "/api/v1/events/calls", map[string]any{"callId": "c-fail", "event": "ringing", "direction": "inbound",
		"extension": "1001", "external": map[string]string{"number": "+14155550100", "name": "Ann Lee"}})
	require.Eventually(t, func() bool {
		_, res := p.callAs(t, browserAdminToken, "GET", "/api/v1/runs?status=failed&callId=c-fail", nil)
		runs, _ := res["runs"].([]any)
		return len(runs) == 1
	}, 30*time.Second, 50*time.Millisecond, "the ticket step never failed")

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`#calls tr[data-call="c-fail"]`)),
	))
	// The service retries the step by itself meanwhile: the list may have
	// been read during an attempt. Refresh shows it failed again.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const row = document.querySelector('#calls tr[data-call="c-fail"]');
		if (row && row.textContent.includes("1 failed")) return true;
		document.getElementById("calls-refresh").click();
		return false;
	})()`, chromedp.WithPollingInterval(300*time.Millisecond)))
	require.NoError(t, err)
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#calls tr[data-call="c-fail"]`)))
	require.NoError(t, err)
	require.Contains(t, row, "Ann Lee")
	require.Contains(t, row, "1001")
	require.Contains(t, row, "1 failed")
	browsertest.Screenshot(t, ctx, "calls-list")

	// The filters narrow the list.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#f-number"), "999"),
		chromedp.Click(chromedp.CSS(`#calls-filter button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#calls-empty")),
	))
	empty, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#calls-empty")))
	require.NoError(t, err)
	require.Equal(t, "No call matches these filters.", empty)

	// The call's page: the contact found, its pop-up URL, the failed step
	// with its masked trace.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/calls"),
		chromedp.WaitVisible(chromedp.CSS(`#calls tr[data-call="c-fail"] a.call-link`)),
		chromedp.Click(chromedp.CSS(`#calls tr[data-call="c-fail"] a.call-link`)),
		chromedp.WaitVisible(chromedp.CSS(`.call-run[data-step="createTicket"][data-status="failed"] .call-trace pre`)),
	))
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	require.NoError(t, err)
	require.Contains(t, page, "Call from Ann Lee")
	require.Contains(t, page, desk.URL+"/agent/users/17", "the pop-up URL")
	require.Contains(t, page, "HTTP 500")
	require.Contains(t, page, "tickets are down", "the helpdesk's answer, in the trace")
	require.Contains(t, page, "POST "+desk.URL+"/api/v2/tickets.json")
	require.NotContains(t, page, callsDeskToken)
	require.NotContains(t, page, "YUBhY21lLnRlc3QvdG9rZW46", "the basic credentials' base64 (a@acme.test/token:…)")
	browsertest.Screenshot(t, ctx, "call-page")

	// The helpdesk is back: Retry makes the ticket.
	failTickets.Store(false)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.call-run[data-step="createTicket"] button.call-retry`)),
		chromedp.WaitVisible(chromedp.CSS(`.call-run[data-step="createTicket"][data-status="succeeded"]`)),
	))
	links, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#call-links")))
	require.NoError(t, err)
	require.Contains(t, links, "#4711")
	retries, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".call-retry").length`))
	require.NoError(t, err)
	require.Zero(t, retries, "no step is left to retry")
	browsertest.Screenshot(t, ctx, "call-page-retried")

	// Dana, the agent of 1001, sees the call among her recent calls.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		signIn(base, "dana", "agent password 1"),
		chromedp.WaitVisible(chromedp.CSS(`#recent-calls li[data-call="c-fail"]`)),
	))
	recent, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#recent-calls li[data-call="c-fail"]`)))
	require.NoError(t, err)
	require.Contains(t, recent, "Ann Lee")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("stream-state").textContent.startsWith("Live")`))
	require.NoError(t, err)

	// An unknown caller: the card offers to create the contact, and links
	// the ticket made for the call.
	as("POST", "/api/v1/events/calls", map[string]any{"callId": "c-new", "event": "ringing", "direction": "inbound",
		"extension": "1001", "external": map[string]string{"number": "+15550009"}})
	card := `.pop[data-call="c-new"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(card+" form.pop-create"))))
	ticket, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.pop[data-call="c-new"] a.ticket').href`))
	require.NoError(t, err)
	require.Equal(t, desk.URL+"/agent/tickets/4712", ticket)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(card+` input[name="firstName"]`), "Cy"),
		chromedp.SendKeys(chromedp.CSS(card+` input[name="lastName"]`), "New"),
	))
	browsertest.Screenshot(t, ctx, "agent-card-unknown-caller")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(card+` form.pop-create button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(card+` .pop-created a.contact`)),
	))
	created, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.pop[data-call="c-new"] .pop-created a.contact').href`))
	require.NoError(t, err)
	require.Equal(t, desk.URL+"/agent/users/9001", created)
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(card+" .who")))
	require.NoError(t, err)
	require.Equal(t, "Cy New", who)
	// The recent calls now name the new contact.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const a = document.querySelector('#recent-calls li[data-call="c-new"] a.contact');
		return !!a && a.textContent === "Cy New";
	})()`))
	require.NoError(t, err)
	browsertest.Screenshot(t, ctx, "agent-console")
	// On a phone.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	browsertest.Screenshot(t, ctx, "agent-console-390")
}
