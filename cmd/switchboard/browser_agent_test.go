package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// popDesk is a Zendesk-like helpdesk that knows Ann Lee and one agent.
func popDesk(t *testing.T) *httptest.Server {
	d := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100"}]}`)
		case strings.HasSuffix(r.URL.Path, "/identities.json"):
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+14155550100"}]}`)
		case r.URL.Path == "/api/v2/users.json":
			fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana Agent","email":"dana@acme.test"}]}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(d.Close)
	return d
}

// An agent signed in to the console sees the screen pop of a call to their
// extension as it rings: the caller's name and number and the link to the
// contact the helpdesk found.
func TestBrowserAgentSeesTheScreenPop(t *testing.T) {
	addr, _ := serveFresh(t)
	as := asAdmin(t, addr)
	desk := popDesk(t)
	in := as("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk",
		"fields": map[string]string{"base_url": desk.URL, "email": "a@acme.test", "api_token": "t"}})
	id := in["id"].(string)
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"})
	as("POST", "/api/v1/integrations/"+id+"/users/sync", nil)
	as("POST", "/api/v1/integrations/"+id+"/users/autobind", nil)
	as("PUT", "/api/v1/integrations/"+id+"/settings", map[string]any{
		"contactSync": map[string]any{"enabled": true}, "screenPop": map[string]any{"trigger": "ringing"}})
	as("POST", "/api/v1/users", map[string]any{"name": "dana", "role": "agent", "extension": "1001", "password": "agent password 1"})

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn("http://"+addr, "dana", "agent password 1"),
		chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
	))
	// The stream is open once the page says it is live.
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("stream-state").textContent.startsWith("Live")`))
	require.NoError(t, err)

	rang := time.Now()
	as("POST", "/api/v1/events/calls", map[string]any{"callId": "c-pop", "event": "ringing", "direction": "inbound",
		"extension": "1001", "external": map[string]string{"number": "+14155550100", "name": "Ann Lee"}})
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.pop[data-call="c-pop"]`))))
	t.Logf("the card showed %s after the PBX posted the ringing event", time.Since(rang).Round(time.Millisecond))

	card, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.pop[data-call="c-pop"]`)))
	require.NoError(t, err)
	require.Contains(t, card, "Ann Lee")
	require.Contains(t, card, "+14155550100")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.pop[data-call="c-pop"] a.contact').href`))
	require.NoError(t, err)
	require.Equal(t, desk.URL+"/agent/users/17", href)
	browsertest.Screenshot(t, ctx, "screen-pop")

	// The admin pages' API refuses the agent.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/v1/users", {credentials: "same-origin"}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 403, status)
}
