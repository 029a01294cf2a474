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
