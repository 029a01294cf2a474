package main_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// What an agent may not do, in the browser: an admin page answers 403 with
// a page that says why (and no admin sections in its navigation), a
// state-changing request without the session's CSRF token is refused, and
// when an admin disables the agent, the agent's open event stream ends and
// the console says they are signed out.
func TestBrowserAgentLimits(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"})
	agent := as("POST", "/api/v1/users", map[string]any{"name": "dana", "role": "agent", "extension": "1001", "password": "agent password 1"})

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "dana", "agent password 1"),
		chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
	))

	// Every admin page answers the agent 403, with a page saying why.
	for _, path := range []string{"/users", "/templates", "/workbench", "/integrations", "/calls", "/channels", "/history", "/tokens"} {
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("`+path+`", {credentials: "same-origin"}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		require.Equal(t, 403, status, path)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS("#forbidden")),
	))
	sections, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sections")))
	require.NoError(t, err)
	require.NotContains(t, sections, "Users", "an agent's navigation has no admin sections")
	browsertest.Screenshot(t, ctx, "agent-forbidden")

	// The cookie alone changes nothing: without the CSRF token, 403.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/v1/sessions", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json"}, body: "{}"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 403, status)

	// Disabled while the console is open: the stream ends and the page says so.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("stream-state").textContent.startsWith("Live")`))
	require.NoError(t, err)
	as("POST", "/api/v1/users/"+agent["user"].(map[string]any)["id"].(string)+"/disable", nil)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#signed-out"))))
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#stream-state")))
	require.NoError(t, err)
	require.Equal(t, "Not receiving calls: you are signed out.", state)
	browsertest.Screenshot(t, ctx, "agent-signed-out")
}
