package main_test

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// browserAdminToken is the admin API token the browser tests' binary
// accepts, for the setting up a journey needs before the browser starts.
const browserAdminToken = "browser-test-admin"

// serveFresh starts the real binary on a new data directory and returns
// its address and the one-time setup link it printed.
func serveFresh(t *testing.T) (addr, setupLink string) {
	t.Helper()
	bin := buildSwitchboard(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	cmd.Env = append(os.Environ(), "SWITCHBOARD_ADMIN_TOKEN="+browserAdminToken)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	setup := regexp.MustCompile(`create the first admin at (\S+/setup\?token=\S+)`)
	sc := bufio.NewScanner(out)
	for (addr == "" || setupLink == "") && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
		if m := setup.FindStringSubmatch(sc.Text()); m != nil {
			setupLink = m[1]
		}
	}
	require.NotEmpty(t, addr, "serve did not start")
	require.NotEmpty(t, setupLink, "serve printed no setup link")
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return addr, setupLink
}

// The first start of a new installation, in the browser: the setup link
// printed at start creates the first administrator, once; they sign in,
// see the console, and sign out. A state-changing request without the
// session's CSRF token is refused even with the cookie.
func TestBrowserFirstStart(t *testing.T) {
	_, link := serveFresh(t)
	ctx := browsertest.New(t)
	base := regexp.MustCompile(`^(http://[^/]+)`).FindString(link)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#setup-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
	))
	browsertest.Screenshot(t, ctx, "setup")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#setup-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#setup-done")),
	))

	// The link works once.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#setup-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Mallory"),
		chromedp.SendKeys(chromedp.CSS("#password"), "another long password"),
		chromedp.Click(chromedp.CSS(`#setup-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#setup-error")),
	))
	again, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#setup-error")))
	require.NoError(t, err)
	require.NotEmpty(t, again)

	// A wrong password says so, without saying whether the account exists.
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada@example.com", "not the password"),
		chromedp.WaitVisible(chromedp.CSS("#login-error")),
	))
	wrong, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#login-error")))
	require.NoError(t, err)
	require.NotEmpty(t, wrong)

	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "Ada Admin", "correct horse battery"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
	))
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#whoami")))
	require.NoError(t, err)
	require.Contains(t, who, "Ada Admin")
	require.Contains(t, who, "admin")
	browsertest.Screenshot(t, ctx, "overview")

	// The cookie alone does not make a change: the CSRF token must come too.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/api/v1/users", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json"}, body: JSON.stringify({name: "Eve", role: "admin", password: "a long password"})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 403, status)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
	))
	// Signed out, the console sends the browser back to sign in.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
	))
}

// signIn fills in and sends the sign-in form at base.
func signIn(base, login, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
	)
}

// jsString quotes s as a JavaScript string literal, for a test's script.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// asAdmin answers a function that calls the binary's API at addr with the
// admin token, for a journey's setting up, and fails the test on an
// answer of 300 or more.
func asAdmin(t *testing.T, addr string) func(method, path string, body any) map[string]any {
	p := &proc{addr: addr}
	return func(method, path string, body any) map[string]any {
		t.Helper()
		st, res := p.callAs(t, browserAdminToken, method, path, body)
		require.Less(t, st, 300, "%s %s: %v", method, path, res)
		return res
	}
}

// postSigned posts body to a generic SMS channel's webhook, signed with the
// channel's secret the way the provider signs it, and expects it stored.
func postSigned(t *testing.T, hook, secret, body string) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, err := http.NewRequest("POST", hook, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)
}

// smsReceived is the generic SMS API's webhook body for a customer's
// message.
func smsReceived(id, from, to, text string) string {
	return fmt.Sprintf(`{"data":{"event_type":"message.received","payload":{"id":%q,"from":{"phone_number":%q},"to":[{"phone_number":%q}],"text":%q}}}`,
		id, from, to, text)
}
