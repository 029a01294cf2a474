package main_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// An administrator reads the history in the browser: finds a conversation
// by its channel number, opens it, sees its messages and timeline,
// deletes a customer's message (never the system's answer), exports the
// search as a zip and deletes another conversation.
func TestBrowserHistory(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	p := &proc{addr: addr}
	prov := newSMSProvider(t)
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"})
	ch := as("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_sms_generic", "name": "Support SMS",
		"fields": map[string]string{"api_key": "k", "secret": "s3cret", "send_url": prov.URL + "/send", "verify_url": prov.URL + "/verify"},
		"numbers": []map[string]any{
			{"number": "+14155550100", "destination": map[string]string{"type": "extension", "id": "1001"}},
			{"number": "+14155550111", "destination": map[string]string{"type": "extension", "id": "1001"}},
		}})
	hook := ch["webhookUrl"].(string)
	agent := as("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"})["token"].(string)
	as("POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})

	// Ann writes to the first number, Dana answers, Ann replies STOP (the
	// system answers); Bob writes to the second number.
	postSigned(t, hook, "s3cret", smsReceived("in-1", "+14155550123", "+14155550100", "Hi, where is my order #4411?"))
	st, list := p.callAs(t, agent, "GET", "/api/v1/sessions", nil)
	require.Equal(t, 200, st)
	require.Len(t, list["sessions"], 1)
	sid := list["sessions"].([]any)[0].(map[string]any)["id"].(string)
	st, _ = p.callAs(t, agent, "POST", "/api/v1/sessions/"+sid+"/messages", map[string]string{"text": "It ships today, sorry for the wait."})
	require.Equal(t, 202, st)
	postSigned(t, hook, "s3cret", smsReceived("in-2", "+14155550123", "+14155550100", "STOP"))
	postSigned(t, hook, "s3cret", smsReceived("in-3", "+14155550199", "+14155550111", "Bob here: do you open on Sundays?"))
	var msgs []any
	require.Eventually(t, func() bool {
		msgs = as("GET", "/api/v1/history/sessions/"+sid+"/messages", nil)["messages"].([]any)
		return len(msgs) == 4
	}, 10*time.Second, 50*time.Millisecond, "the customer's two messages, the answer and the system's")
	var first, system string
	for _, m := range msgs {
		mm := m.(map[string]any)
		switch {
		case mm["direction"] == "in" && first == "":
			first = mm["id"].(string)
		case mm["direction"] == "system":
			system = mm["id"].(string)
		}
	}
	require.NotEmpty(t, first)
	require.NotEmpty(t, system)

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/history"),
		chromedp.WaitVisible(chromedp.CSS("#history-search")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 2`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#h-channel option").length === 2`),
	))

	// Search by the channel's number.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#h-number"), "+14155550100"),
		chromedp.Click(chromedp.CSS(`#history-search button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 1 && document.querySelector("#sessions tr").dataset.session === `+jsString(sid)),
	))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#sessions tr")))
	require.NoError(t, err)
	require.Contains(t, row, "+14155550123")
	require.Contains(t, row, "Support SMS")
	require.Contains(t, row, "1001")
	browsertest.Screenshot(t, ctx, "history")

	// Its messages and timeline.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#sessions a.session-link")),
		chromedp.WaitVisible(chromedp.CSS("#messages li")),
	))
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#messages")))
	require.NoError(t, err)
	for _, s := range []string{"Hi, where is my order #4411?", "It ships today, sorry for the wait.", "STOP", "unsubscribed"} {
		require.Contains(t, shown, s)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#timeline")))
	require.NoError(t, err)
	require.Contains(t, timeline, "Started by the customer")
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#messages li[data-direction="system"] .msg-delete').length`))
	require.NoError(t, err)
	require.Zero(t, n, "the system's answer has no delete button")
	n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#messages .msg-delete').length`))
	require.NoError(t, err)
	require.Equal(t, 3, n)

	// Delete the customer's first message: it disappears, here and in the API.
	msgSel := `#messages li[data-message="` + first + `"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(msgSel+" .msg-delete")),
		chromedp.WaitVisible(chromedp.CSS(msgSel+" .confirm-yes")),
	))
	browsertest.Screenshot(t, ctx, "history-session")
	if os.Getenv("SWITCHBOARD_SCREENSHOTS") != "" {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
		browsertest.Screenshot(t, ctx, "history-session-phone")
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateReset()))
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(msgSel+" .confirm-yes")),
		chromedp.WaitNotPresent(chromedp.CSS(msgSel)),
	))
	require.Len(t, as("GET", "/api/v1/history/sessions/"+sid+"/messages", nil)["messages"], 3)
	// The system's answer cannot be deleted, even when asked for directly:
	// the page says why.
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sb.api("DELETE", "/api/v1/history/messages/`+system+`").then(() => "deleted", e => e.message)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Contains(t, msg, "cannot be deleted")

	// Back to the same search; export it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#back")),
		chromedp.WaitVisible(chromedp.CSS("#history-search")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 1`),
	))
	number, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#h-number")))
	require.NoError(t, err)
	require.Equal(t, "+14155550100", number, "Back keeps the search")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#h-export")),
		chromedp.WaitVisible(chromedp.CSS("#export-link")),
	))
	// (The page's policy lets it fetch nothing but its origin, so the test
	// reads the blob the download link offers, not its blob: URL.)
	magic, err := chromedp.Run(ctx, chromedp.Evaluate[string](`lastExport.url === document.getElementById("export-link").href &&
		lastExport.blob.slice(0, 2).text().then(t => t + ":" + document.getElementById("export-link").dataset.bytes)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Regexp(t, `^PK:[1-9]\d*$`, magic, "the download is a zip")
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#export-status")))
	require.NoError(t, err)
	require.Contains(t, status, "Export ready")
	browsertest.Screenshot(t, ctx, "history-export")

	// The export is of the search submitted, not of fields changed since;
	// a search the API refuses says so.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("h-state").append(new Option("bogus", "bogus", false, true))`),
		chromedp.Click(chromedp.CSS("#h-export")),
		chromedp.Poll[chromedp.Void](`!document.getElementById("h-export").disabled && document.getElementById("export-status").textContent.startsWith("Export ready")`),
		chromedp.Click(chromedp.CSS(`#history-search button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#search-error")),
		chromedp.Click(chromedp.CSS("#h-export")),
		chromedp.WaitVisible(chromedp.CSS("#export-error")),
	))
	failed, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#export-error")))
	require.NoError(t, err)
	require.Contains(t, failed, "The export failed")
	require.Contains(t, failed, "bogus")

	// Times: the date-time inputs are in the browser's time zone; a period
	// in the future finds nothing, one from the past finds the conversation.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("h-state").value = ""; document.getElementById("h-from").value = "2099-01-01T00:00"`),
		chromedp.Click(chromedp.CSS(`#history-search button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("sessions-empty").hidden === false && document.querySelectorAll("#sessions tr").length === 0`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("h-from").value = "2000-01-01T00:00"; document.getElementById("h-to").value = "2099-01-01T00:00"`),
		chromedp.Click(chromedp.CSS(`#history-search button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 1`),
	))
	searchErr, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("search-error").hidden`))
	require.NoError(t, err)
	require.True(t, searchErr, "the API took the times")

	// Delete Bob's conversation, after confirming.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#h-clear")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 2`),
		chromedp.SendKeys(chromedp.CSS("#h-customer"), "+14155550199"),
		chromedp.Click(chromedp.CSS(`#history-search button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#sessions tr").length === 1 && document.querySelector("#sessions tr").dataset.session !== `+jsString(sid)),
		chromedp.Click(chromedp.CSS("#sessions a.session-link")),
		chromedp.WaitVisible(chromedp.CSS("#delete-session")),
		chromedp.Click(chromedp.CSS("#delete-session")),
		chromedp.Click(chromedp.CSS(".session-head .confirm-yes")),
		chromedp.WaitVisible(chromedp.CSS("#history-search")),
		chromedp.Poll[chromedp.Void](`document.getElementById("sessions-empty").hidden === false`),
	))
	left := as("GET", "/api/v1/history/sessions", nil)["sessions"].([]any)
	require.Len(t, left, 1)
	require.Equal(t, sid, left[0].(map[string]any)["id"])
}

// An administrator creates a PBX token in the browser, sees it once, the
// PBX uses it, and the administrator revokes it: it no longer works.
func TestBrowserTokens(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	p := &proc{addr: addr}
	st, res := p.callAs(t, browserAdminToken, "POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	require.Equal(t, 201, st, res)
	st, res = p.callAs(t, browserAdminToken, "POST", "/api/v1/tokens", map[string]string{"role": "admin", "name": "Nightly export"})
	require.Equal(t, 201, st, res)

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#token-form")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#tokens tr").length === 1`),
		// A token without a name is refused, and says why.
		chromedp.Click(chromedp.CSS(`#token-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#token-error")),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "Office PBX"),
		chromedp.Click(chromedp.CSS(`#token-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#token-created")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#tokens tr").length === 2`),
	))
	token, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#token-value")))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(token, "sb_"), token)
	once, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#token-created")))
	require.NoError(t, err)
	require.Contains(t, once, "you will not see it again")
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#token-created button.copy").length`))
	require.NoError(t, err)
	require.Equal(t, 1, n, "a copy button")
	browsertest.Screenshot(t, ctx, "tokens")

	// The PBX uses it.
	st, _ = p.callAs(t, token, "GET", "/api/v1/extensions", nil)
	require.Equal(t, 200, st)

	// Once dismissed, the token is nowhere on the page, nor after a reload.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#token-done")),
		chromedp.WaitNotVisible(chromedp.CSS("#token-created")),
		chromedp.Navigate(base+"/tokens"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#tokens tr").length === 2`),
	))
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	require.NoError(t, err)
	require.NotContains(t, html, token)
	rowText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tokens tr:first-child")))
	require.NoError(t, err)
	require.Contains(t, rowText, "Office PBX")
	require.Contains(t, rowText, "PBX")

	// Revoke it, after confirming; Cancel first keeps it.
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#tokens tr")].find(r => r.textContent.includes("Office PBX")).dataset.token`))
	require.NoError(t, err)
	rowSel := `#tokens tr[data-token="` + id + `"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(rowSel+" button.revoke")),
		chromedp.Click(chromedp.CSS(rowSel+" .confirm-no")),
		chromedp.WaitVisible(chromedp.CSS(rowSel+" button.revoke")),
	))
	st, _ = p.callAs(t, token, "GET", "/api/v1/extensions", nil)
	require.Equal(t, 200, st, "cancelled: still valid")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(rowSel+" button.revoke")),
		chromedp.Click(chromedp.CSS(rowSel+" .confirm-yes")),
		chromedp.WaitNotPresent(chromedp.CSS(rowSel)),
	))
	st, _ = p.callAs(t, token, "GET", "/api/v1/extensions", nil)
	require.Equal(t, 401, st)
}
