package main_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// An admin manages the people who sign in, in the browser: adds an agent
// (a refusal shown first), disables and enables them, and sets a new
// password with which the agent then signs in. A long list pages.
func TestBrowserAdminManagesUsers(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana"})
	as("POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	for i := range 25 {
		as("POST", "/api/v1/users", map[string]any{"name": fmt.Sprintf("admin%02d", i), "role": "admin", "password": "admin password 1"})
	}
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS(`#users tr[data-user="ada"]`)),
	))
	// 26 people: a page of 25, and the next.
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#users tr").length`))
	require.NoError(t, err)
	require.Equal(t, 25, rows)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#users-pager button:last-child")),
		chromedp.WaitVisible(chromedp.CSS(`#users tr[data-user="admin24"]`)),
	))

	// An agent without an extension is refused, saying why.
	// (It joins the page shown: the second.)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "dana"),
		chromedp.SetValue(chromedp.CSS("#role"), "agent"),
		chromedp.SendKeys(chromedp.CSS("#password"), "first password 1"),
		chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#user-error")),
	))
	refused, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#user-error")))
	require.NoError(t, err)
	require.Contains(t, refused, "extension")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#extension"), "1001"),
		chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#users tr[data-user="dana"]`)),
	))

	row := `#users tr[data-user="dana"]`
	state := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" .status")))
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "active", state())
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" .user-actions button:first-child"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('`+row+` .status').textContent === "disabled"`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" .user-actions button:first-child"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('`+row+` .status').textContent === "active"`))
	require.NoError(t, err)

	// A new password: too short is refused, then set.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" button.reset")),
		chromedp.WaitVisible(chromedp.CSS(row+" .reset-form input")),
		chromedp.SendKeys(chromedp.CSS(row+" .reset-form input"), "short"),
		chromedp.Click(chromedp.CSS(row+` .reset-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#users-error")),
	))
	short, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#users-error")))
	require.NoError(t, err)
	require.Contains(t, short, "too short")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(row+" .reset-form input"), "a brand new password"),
		chromedp.Click(chromedp.CSS(row+` .reset-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#users-said")),
	))
	browsertest.Screenshot(t, ctx, "users")

	// The agent signs in with it.
	agent := browsertest.New(t)
	require.NoError(t, chromedp.Do(agent,
		signIn(base, "dana", "a brand new password"),
		chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
	))
}
