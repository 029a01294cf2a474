package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// channelsProvider is a generic-SMS-API provider: it answers the
// verification challenge and accepts every message.
type channelsProvider struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string
}

func newChannelsProvider(t *testing.T) *channelsProvider {
	p := &channelsProvider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/verify" {
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
			return
		}
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.sent = append(p.sent, string(body))
		fmt.Fprintf(w, `{"data":{"id":"p-%d"}}`, len(p.sent))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *channelsProvider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

// adminOnChannels signs the admin "ada" in and opens the channels page.
func adminOnChannels(base string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/channels"),
		chromedp.WaitVisible(chromedp.CSS("#channels-page")),
	)
}

// clickListed clicks a button of a list the page draws again whenever
// the stream or a reload says something, found and clicked in one step: a
// button found by one call and clicked by the next may be gone by then
// ("Could not find node with given id").
func clickListed(sel string) chromedp.Action[chromedp.Void] {
	js := `(() => { const b = document.querySelector(` + jsString(sel) + `); if (!b) return false; b.click(); return true; })()`
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
		return err
	})
}

// channelsSetValue sets a form control's value as a person would: the
// page hears its change.
func channelsSetValue(selector, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(selector)),
		chromedp.SetValue(chromedp.CSS(selector), value),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(selector)+`).dispatchEvent(new Event("change", {bubbles: true}))`))
			return err
		}),
	)
}

// The admin sets up SMS in the browser: a queue of two agents, a channel
// from the generic SMS template pointing at the provider (the form's
// problems shown beside its fields first), a number routed to the queue;
// the channel's page gives the webhook URL to copy, and counts the
// number's messages once the provider posts one and an agent answers it;
// the queue the number routes to cannot be deleted, and the page says why.
func TestBrowserChannelsAndQueues(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	p := &proc{addr: addr}
	as := func(token, method, path string, body any) map[string]any {
		t.Helper()
		st, res := p.callAs(t, token, method, path, body)
		require.Less(t, st, 300, "%s %s: %v", method, path, res)
		return res
	}
	// The PBX knows the extensions; the admin signs in.
	as(browserAdminToken, "PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "lastName": "Reyes"})
	as(browserAdminToken, "PUT", "/api/v1/extensions/1002", map[string]string{"firstName": "Lee", "lastName": "Chen"})
	as(browserAdminToken, "POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	prov := newChannelsProvider(t)

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		adminOnChannels(base),
		chromedp.WaitVisible(chromedp.CSS("#channels-empty")),
	))

	// A queue of both agents.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-queue")),
		chromedp.WaitVisible(chromedp.CSS("#queue-form")),
		chromedp.SendKeys(chromedp.CSS("#queue-name"), "Support"),
		chromedp.Click(chromedp.CSS(`label[for="queue-agent-1001"]`)),
		chromedp.Click(chromedp.CSS(`label[for="queue-agent-1002"]`)),
		chromedp.Click(chromedp.CSS(`#queue-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue]`)),
	))
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#queues tr[data-queue]`)))
	require.NoError(t, err)
	require.Contains(t, row, "Support")
	require.Contains(t, row, "1001 · Dana Reyes")
	require.Contains(t, row, "1002 · Lee Chen")
	queueID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#queues tr[data-queue]").dataset.queue`))
	require.NoError(t, err)

	// The channel form, from the generic SMS template: sent empty, each
	// problem shows beside its field.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-channel")),
		chromedp.WaitVisible(chromedp.CSS("#channel-form")),
		channelsSetValue("#ch-template", "builtin_sms_generic"),
		chromedp.WaitVisible(chromedp.CSS(`#channel-form [data-field="verify_url"]`)),
	))
	secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#channel-form [data-field="api_key"]').type`))
	require.NoError(t, err)
	require.Equal(t, "password", secret, "secret fields are masked")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#channel-form-error")),
	))
	nameErr, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#ch-name ~ .field-error`)))
	require.NoError(t, err)
	require.Contains(t, nameErr, "name is required")
	numberErr, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.number-row .field-error`)))
	require.NoError(t, err)
	require.Contains(t, numberErr, "number")

	// Filled in: the number's conversations go to the queue; Dana may
	// start conversations from it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ch-name"), "Support SMS"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="api_key"]`), "key-123"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="secret"]`), "s3cret"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="send_url"]`), prov.URL+"/send"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="verify_url"]`), prov.URL+"/verify"),
		chromedp.SendKeys(chromedp.CSS(`.number-row input[name=number]`), "+14155550100"),
		channelsSetValue(`.number-row select[name=destinationType]`, "queue"),
		channelsSetValue(`.number-row select[name=destination]`, queueID),
		chromedp.Click(chromedp.CSS(`.number-row label.check:first-child`)),
		chromedp.Click(chromedp.CSS("#add-number")),
		chromedp.WaitVisible(chromedp.CSS(`.number-row:nth-child(2) input[name=number]`)),
		chromedp.SendKeys(chromedp.CSS(`.number-row:nth-child(2) input[name=number]`), "+14155550111"),
	))
	browsertest.Screenshot(t, ctx, "channel-create")
	// The second number is not wanted after all.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.number-row:nth-child(2) button.remove`)),
		chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#channel-page")),
	))

	// The channel's page: connected, with the webhook URL to copy.
	hook, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#webhook-url")))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(hook, base+"/webhooks/channels/"), hook)
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-status")))
	require.NoError(t, err)
	require.Equal(t, "connected", status)
	numbers, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#numbers")))
	require.NoError(t, err)
	require.Contains(t, numbers, "+14155550100")
	require.Contains(t, numbers, "Queue Support")
	require.Contains(t, numbers, "1001 · Dana Reyes")
	require.NotContains(t, numbers, "+14155550111")
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		let got = "";
		navigator.clipboard.writeText = async (text) => { got = text; };
		document.querySelector("#webhook-copy button").click();
		await new Promise((r) => setTimeout(r, 0));
		return got + "|" + document.querySelector("#webhook-copy button").textContent;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, hook+"|Copied", copied)

	// Checking the connection again says so; an edit keeps the secrets
	// left empty (the check after it still passes).
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS("#channel-notice")),
		chromedp.Click(chromedp.CSS("#edit")),
		chromedp.WaitVisible(chromedp.CSS("#channel-form")),
	))
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#channel-form [data-field="secret"]').placeholder`))
	require.NoError(t, err)
	require.Contains(t, kept, "leave empty to keep it")
	_, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ch-name").value = ""`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ch-name"), "Support line"),
		chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#channel-form")),
	))
	renamed, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-name")))
	require.NoError(t, err)
	require.Equal(t, "Support line", renamed)
	status, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-status")))
	require.NoError(t, err)
	require.Equal(t, "connected", status, "the kept secrets still work")

	// The provider posts a customer's message; an agent of the queue takes
	// it over and answers.
	body := `{"data":{"event_type":"message.received","payload":{"id":"in-1","from":{"phone_number":"+15550001111"},"to":[{"phone_number":"+14155550100"}],"text":"Is my order on its way?"}}}`
	postSigned(t, hook, "s3cret", body)
	agent := as(browserAdminToken, "POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "Dana"})["token"].(string)
	sessions := as(agent, "GET", "/api/v1/sessions", nil)["sessions"].([]any)
	require.Len(t, sessions, 1)
	sid := sessions[0].(map[string]any)["id"].(string)
	as(agent, "POST", "/api/v1/sessions/"+sid+"/takeover", nil)
	as(agent, "POST", "/api/v1/sessions/"+sid+"/messages", map[string]string{"text": "Yes, it ships today."})
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	require.NoError(t, err)
	chID := strings.TrimPrefix(page, "/channels/")
	require.Eventually(t, func() bool {
		_, st := p.callAs(t, browserAdminToken, "GET", "/api/v1/channels/"+chID+"/stats", nil)
		n, _ := st["numbers"].([]any)
		return prov.count() == 1 && len(n) == 1 && n[0].(map[string]any)["succeeded"] == 1.0
	}, 10*time.Second, 20*time.Millisecond, "the provider accepted the answer")

	// The counters of the last 7 days show both, and the chart draws them.
	require.NoError(t, chromedp.Do(ctx,
		channelsSetValue("#range", "7d"),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const n = document.querySelector('.number-stats[data-number="+14155550100"]');
		return !!n && n.querySelector('[data-kind="received"] .value').textContent === "1" &&
			n.querySelector('[data-kind="succeeded"] .value').textContent === "1";
	})()`))
	require.NoError(t, err)
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.number-stats[data-number="+14155550100"] svg rect.in, .number-stats[data-number="+14155550100"] svg rect.ok').length`))
	require.NoError(t, err)
	require.Equal(t, 2, bars, "today's bar: one received, one succeeded")
	require.NoError(t, chromedp.Do(ctx, channelsSetValue("#range", "24h")))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("stats-period").textContent.startsWith("Per hour") &&
		document.querySelector('.number-stats [data-kind="sent"] .value').textContent === "1"`))
	require.NoError(t, err)
	browsertest.Screenshot(t, ctx, "channel")
	// A custom period of days.
	require.NoError(t, chromedp.Do(ctx,
		channelsSetValue("#range", "custom"),
		chromedp.WaitVisible(chromedp.CSS("#range-from")),
		chromedp.Click(chromedp.CSS(`#range-form button[type=submit]`)),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("stats-period").textContent.startsWith("Per day") &&
		document.querySelectorAll('.number-stats[data-number="+14155550100"] svg g').length === 14`))
	require.NoError(t, err)

	// Back on the list, the channel is there; its queue cannot go.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/channels"),
		chromedp.WaitVisible(chromedp.CSS(`#channels tr[data-channel]`)),
	))
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channels")))
	require.NoError(t, err)
	require.Contains(t, list, "Support line")
	require.Contains(t, list, "connected")
	require.Contains(t, list, "+14155550100 → Queue Support")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#channels td.traffic").textContent === "1 sent · 1 received"`))
	require.NoError(t, err)
	// Lee leaves the queue.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#queues tr[data-queue] button.secondary`)),
		chromedp.WaitVisible(chromedp.CSS("#queue-form")),
		chromedp.Click(chromedp.CSS(`label[for="queue-agent-1002"]`)),
		chromedp.Click(chromedp.CSS(`#queue-form button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#queue-form")),
	))
	row, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#queues tr[data-queue]`)))
	require.NoError(t, err)
	require.Contains(t, row, "1001 · Dana Reyes")
	require.NotContains(t, row, "Lee Chen")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#queues tr[data-queue] button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`#queues tr[data-queue] .confirm-text`)),
		chromedp.Click(chromedp.CSS(`#queues tr[data-queue] button.danger`)),
		chromedp.WaitVisible(chromedp.CSS("#queues-error")),
	))
	refusal, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#queues-error")))
	require.NoError(t, err)
	require.Contains(t, refusal, "cannot be deleted")
	require.Contains(t, refusal, "+14155550100")
	browsertest.Screenshot(t, ctx, "channels")
	still, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#queues tr[data-queue]").length`))
	require.NoError(t, err)
	require.Equal(t, 1, still)
}
