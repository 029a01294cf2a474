package main_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// The admin's overview shows what came through the API: two calls from
// the PBX and a customer's SMS waiting in a queue, with the connected
// helpdesk and channel; a message arriving while it is open shows without
// reloading.
func TestBrowserOverview(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	desk := popDesk(t)
	as("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk",
		"fields": map[string]string{"base_url": desk.URL, "email": "a@acme.test", "api_token": "t"}})
	as("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"})
	queue := as("POST", "/api/v1/queues", map[string]any{"name": "Support", "agents": []string{"1001"}})["id"].(string)
	prov := newSMSProvider(t)
	const secret, number = "overview-secret", "+14155550100"
	ch := as("POST", "/api/v1/channels", map[string]any{"templateId": "builtin_sms_generic", "name": "Support SMS",
		"fields":  map[string]string{"api_key": "k", "secret": secret, "send_url": prov.URL + "/send", "verify_url": prov.URL + "/verify"},
		"numbers": []map[string]any{{"number": number, "destination": map[string]string{"type": "queue", "id": queue}}}})
	hook := ch["webhookUrl"].(string)
	as("POST", "/api/v1/users", map[string]any{"name": "Ada Admin", "role": "admin", "password": "correct horse battery"})

	for _, id := range []string{"ov-call-1", "ov-call-2"} {
		as("POST", "/api/v1/events/calls", map[string]any{"callId": id, "event": "ringing", "direction": "inbound",
			"extension": "1001", "external": map[string]string{"number": "+14155550123", "name": "Ann Lee"}})
	}
	postSigned(t, hook, secret, smsReceived("ov-in-1", "+14155550199", number, "Hello, is my order on its way?"))

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "Ada Admin", "correct horse battery"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
	))
	text := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#"+id)))
		require.NoError(t, err)
		return strings.TrimSpace(v)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("calls-total").textContent === "2"`))
	require.NoError(t, err, "calls: %q", text("calls-total"))
	require.Equal(t, "1", text("messages-total"))
	require.Contains(t, text("messages-detail"), "1 received")
	require.Equal(t, "1", text("backlog-offers"), "the SMS waits for an agent of the queue")
	require.Equal(t, "0", text("runs-failed"))
	require.Equal(t, "0", text("backlog-outbound"))
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("runs-failed-link").getAttribute("href")`))
	require.NoError(t, err)
	require.Equal(t, "/calls", href)

	// The charts: 24 hours, both calls in the last two (the current one,
	// or the one before at the turn of an hour), labelled in the
	// browser's time.
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#calls-chart rect title")].map(t => t.textContent)`))
	require.NoError(t, err)
	require.Len(t, bars, 24)
	last := bars[22] + " " + bars[23]
	require.Regexp(t, `: [12]\b`, last)
	require.Regexp(t, `^\d.*–\d.*: \d+$`, bars[0])
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#calls-chart svg").getAttribute("aria-label")`))
	require.NoError(t, err)
	require.Equal(t, "Calls per hour: 2 in all", label)

	// The helpdesk and the channel, with their status: drawn once the
	// templates' names are read, after the figures.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#integrations tr").length > 0`))
	require.NoError(t, err)
	require.Contains(t, text("integrations"), "Zendesk", "named by its template")
	require.Contains(t, text("integrations"), "connected")
	require.Contains(t, text("channels"), "Support SMS")
	require.Contains(t, text("channels"), "connected")
	browsertest.Screenshot(t, ctx, "overview-activity")

	// A customer writes while the overview is open: it follows the stream.
	shown := time.Now()
	postSigned(t, hook, secret, smsReceived("ov-in-2", "+14155550177", number, "Do you ship to Canada?"))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById("messages-total").textContent === "2" && document.getElementById("backlog-offers").textContent === "2"`,
		chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "messages %q, offers %q", text("messages-total"), text("backlog-offers"))
	t.Logf("the overview showed the new message %s after it came", time.Since(shown).Round(time.Millisecond))

	// Refresh on demand.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#overview-reload"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("overview-reload").disabled && document.getElementById("overview-updated").textContent.startsWith("Updated")`))
	require.NoError(t, err)

	// On a phone the cards stack, and nothing is wider than the screen.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	wide, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.documentElement.scrollWidth <= 390`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the page is wider than the phone")
	require.True(t, wide)
	browsertest.Screenshot(t, ctx, "overview-phone")
}
