package main_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// workbenchDemoDesk builds the demo helpdesk (examples/demo) and starts it
// on a free port; it answers the part of Zendesk's API the example uses.
func workbenchDemoDesk(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "demo")
	build := exec.Command("go", "build", "-o", bin, "../../examples/demo")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	// The demo listens where it is told (--addr), so find a free port for it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cmd := exec.Command(bin, "--addr", addr)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	require.Eventually(t, func() bool {
		r, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == 200
	}, 20*time.Second, 50*time.Millisecond, "the demo helpdesk did not start")
	return base
}

// workbenchFix selects the first text after the editor's caret and types
// its replacement with the keyboard. It answers how far past the caret the
// text was.
func workbenchFix(t *testing.T, ctx context.Context, text, replacement string) int {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const ta = document.getElementById("wb-code");
		const from = ta.selectionStart, i = ta.value.indexOf(%q, from);
		if (i < 0) return -1;
		ta.focus();
		ta.setSelectionRange(i, i + %d);
		return i - from;
	})()`, text, len(text))
	dist, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	require.NoError(t, err)
	require.GreaterOrEqual(t, dist, 0, "%q is not after the caret", text)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(replacement)))
	return dist
}

// The workbench journey: a rejected upload of a Zendesk template with three
// problems opens in the workbench; the admin clicks each problem to reach
// its line:column, fixes it by typing, sees "No problems", runs
// SyncContactAuto against the demo helpdesk (the API token never shows,
// the mask does), and saves the template, which the API then lists.
func TestBrowserWorkbench(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	desk := workbenchDemoDesk(t)
	p := &proc{addr: addr}
	st, res := p.callAs(t, browserAdminToken, "POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	require.Equal(t, 201, st, "%v", res)
	broken, err := os.ReadFile("testdata/workbench-three-problems.xml")
	require.NoError(t, err)
	const secret = "wb-secret-api-token-7"

	ctx := browsertest.New(t)
	draft, err := json.Marshal(string(broken))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/workbench"),
		chromedp.WaitVisible(chromedp.CSS("#workbench-page")),
	))
	// Opened by itself, it starts empty and says what to do.
	empty, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-check")))
	require.NoError(t, err)
	require.Equal(t, "Type or paste a template to check it.", empty)
	browsertest.Screenshot(t, ctx, "workbench-empty")
	require.NoError(t, chromedp.Do(ctx,
		// The templates page leaves a rejected upload here.
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("sb.workbench.draft", `+string(draft)+`)`),
		chromedp.Navigate(base+"/workbench?draft=1"),
		chromedp.WaitVisible(chromedp.CSS("#workbench-page")),
	))

	// The three problems, at their lines, errors and warnings apart.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll(".wb-problem").length === 3`))
	require.NoError(t, err)
	places, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#wb-errors .wb-where, #wb-warnings .wb-where")].map(e => e.closest("ul").id + " " + e.textContent)`))
	require.NoError(t, err)
	require.Equal(t, []string{"wb-errors 35:34", "wb-warnings 20:37", "wb-warnings 39:37"}, places)
	check, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-check")))
	require.NoError(t, err)
	require.Contains(t, check, "1 error, 2 warnings")
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#wb-gutter .wb-mark-error, #wb-gutter .wb-mark-warning")].map(e => e.textContent)`))
	require.NoError(t, err)
	require.Equal(t, []string{"20", "35", "39"}, marked, "the gutter marks the lines")

	// Each problem takes the caret to its place; the fix is typed there.
	fixes := []struct{ where, text, fix string }{
		{"35:34", `Method="GTE"`, `Method="GET"`},
		{"20:37", `ContactIdd`, `ContactId`},
		{"39:37", `Pth=`, `Path=`},
	}
	for _, f := range fixes {
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.wb-problem[data-line="`+strings.Split(f.where, ":")[0]+`"]`))))
		caret, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-caret")))
		require.NoError(t, err)
		line, col, _ := strings.Cut(f.where, ":")
		require.Equal(t, "Line "+line+", column "+col, caret)
		if f.where == "35:34" {
			browsertest.Screenshot(t, ctx, "workbench-problems") // the editor scrolled to the error
		}
		dist := workbenchFix(t, ctx, f.text, f.fix)
		if f.text != "ContactIdd" { // the URLFormat problem points at its Value attribute
			require.Zero(t, dist, "the caret is on %s", f.text)
		}
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("wb-check").textContent === "No problems."`))
	require.NoError(t, err)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".wb-problem").length`))
	require.NoError(t, err)
	require.Zero(t, n)

	// Run SyncContactAuto against the demo helpdesk.
	scenarios, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#wb-scenario option")].map(o => o.value)`))
	require.NoError(t, err)
	require.Contains(t, scenarios, "SyncContactAuto")
	kind, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("field-api_token").type`))
	require.NoError(t, err)
	require.Equal(t, "password", kind, "the API token is typed masked")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#wb-scenario"), "SyncContactAuto"),
		chromedp.SendKeys(chromedp.CSS("#field-base_url"), desk),
		chromedp.SendKeys(chromedp.CSS("#field-email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#field-api_token"), secret),
	))
	phone, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(() => { const n = [...document.querySelectorAll(".wb-var-name")].find(i => i.value === "Phone"); return n ? "#" + n.closest(".wb-var").querySelector(".wb-var-value").id : ""; })()`))
	require.NoError(t, err)
	require.NotEmpty(t, phone, "a Phone variable is offered for SyncContactAuto")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(phone), "+1 415 555 0100"),
		chromedp.Click(chromedp.CSS("#wb-run")),
		chromedp.WaitVisible(chromedp.CSS("#wb-exchanges .wb-exchange")),
	))
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-result")))
	require.NoError(t, err)
	require.Contains(t, result, "ok")
	require.Contains(t, result, "Ann Lee")
	require.Contains(t, result, desk+"/agent/users/17", "the contact's pop-up URL")
	require.Contains(t, result, "GET")
	require.Contains(t, result, desk+"/api/v2/search.json")
	require.Contains(t, result, "Basic ****", "the Authorization header is masked")
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText + [...document.querySelectorAll("input, textarea")].filter(i => i.type !== "password").map(i => i.value).join(" ")`))
	require.NoError(t, err)
	require.NotContains(t, page, secret, "the API token shows nowhere")
	browsertest.Screenshot(t, ctx, "workbench-run")

	// Save: a new template, through the same validation.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#wb-save")),
		chromedp.WaitVisible(chromedp.CSS("#wb-saved")),
	))
	saved, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-saved")))
	require.NoError(t, err)
	require.Contains(t, saved, "Zendesk (workbench)")
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc, "?template="), loc)

	st, list := p.callAs(t, browserAdminToken, "GET", "/api/v1/templates", nil)
	require.Equal(t, 200, st)
	ids := map[string]string{}
	for _, tpl := range list["templates"].([]any) {
		ids[tpl.(map[string]any)["key"].(string)] = tpl.(map[string]any)["id"].(string)
	}
	require.Contains(t, ids, "zendesk_workbench")
	require.Equal(t, "?template="+ids["zendesk_workbench"], loc, "from now on Save replaces it")

	// Opened again by its id, it loads from the store, and Save replaces it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/workbench"+loc),
		chromedp.WaitVisible(chromedp.CSS("#workbench-page")),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("wb-check").textContent === "No problems."`))
	require.NoError(t, err)
	what, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-what")))
	require.NoError(t, err)
	require.Contains(t, what, "Stored template")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#wb-save")),
		chromedp.WaitVisible(chromedp.CSS("#wb-saved")),
	))
	saved, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-saved")))
	require.NoError(t, err)
	require.Contains(t, saved, "Saved Zendesk (workbench)")
	st, list = p.callAs(t, browserAdminToken, "GET", "/api/v1/templates", nil)
	require.Equal(t, 200, st)
	require.Len(t, list["templates"], len(ids), "replaced, not added")

	// A channel template's ReceiveMessage reads a webhook, sending nothing.
	hook := `{"data":{"event_type":"message.received","payload":{"id":"in-1","from":{"phone_number":"+8618012121223"},"to":[{"phone_number":"+8618012121222"}],"text":"Hello from the webhook","media":[]}}}`
	mac := hmac.New(sha256.New, []byte("wb-webhook-secret"))
	mac.Write([]byte(hook))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/workbench?template=builtin_sms_generic"),
		chromedp.WaitVisible(chromedp.CSS("#workbench-page")),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("wb-check").textContent.startsWith("Valid") || document.getElementById("wb-check").textContent === "No problems."`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#wb-scenario"), "ReceiveMessage"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("wb-scenario").dispatchEvent(new Event("change"))`),
		chromedp.WaitVisible(chromedp.CSS("#wb-webhook-body")),
		chromedp.SendKeys(chromedp.CSS("#field-secret"), "wb-webhook-secret"),
		chromedp.SetValue(chromedp.CSS("#wb-webhook-body"), hook),
		chromedp.SendKeys(chromedp.CSS("#wb-webhook-headers"), "X-Signature-256: sha256="+hex.EncodeToString(mac.Sum(nil))),
		chromedp.Click(chromedp.CSS("#wb-run")),
		chromedp.WaitVisible(chromedp.CSS("#wb-result .wb-row")),
	))
	read, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#wb-result")))
	require.NoError(t, err)
	require.Contains(t, read, "signature yes")
	require.Contains(t, read, "Hello from the webhook")
	browsertest.Screenshot(t, ctx, "workbench-webhook")
}
