package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// In a real browser, the sign-in page works from its own files alone (the
// policy refuses inline script): a refused sign-in shows the API's answer
// beside the form, and the button can be pressed again.
func TestSignInPageInTheBrowser(t *testing.T) {
	srv := serve(t) // no API behind it: every API call is a 404
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#password"), "whatever it is"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-error")),
	))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#login-error")))
	require.NoError(t, err)
	require.Equal(t, "the service answered 404 Not Found", msg)
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#login-form button").disabled`))
	require.NoError(t, err)
	require.False(t, disabled)
	browsertest.Screenshot(t, ctx, "login-error")
}

// A link whose address comes from a helpdesk is left without it when the
// address would run script: sb.el drops javascript:, data: and vbscript:
// hrefs, however they are spelled, and keeps every other address.
func TestLinksNeverRunScript(t *testing.T) {
	srv := serve(t)
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
	))
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`[
		"javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>1</script>", "vbscript:x",
		"https://desk.example.com/agent/users/17", "/calls/c-1", "?offset=20", "mailto:ann@example.com",
	].map(u => sb.el("a", {href: u}).hasAttribute("href"))`))
	require.NoError(t, err)
	require.Equal(t, []bool{false, false, false, false, false, true, true, true, true}, kept)
}
