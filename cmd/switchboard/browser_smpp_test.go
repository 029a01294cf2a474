package main_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
	"github.com/switchboard/switchboard/internal/testpeers"
)

// The admin connects an SMSC in the browser: the SMPP template's form asks
// for what a BYO SMPP connection asks (by its titles), and the channel's
// page, bound, shows no webhook to set up.
func TestBrowserSMPPChannel(t *testing.T) {
	smsc := testpeers.StartSMSC(t, testpeers.SMSCConfig{})
	addr, _ := serveFresh(t)
	base := "http://" + addr
	p := &proc{addr: addr}
	st, res := p.callAs(t, browserAdminToken, "PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "lastName": "Reyes"})
	require.Less(t, st, 300, "%v", res)
	st, res = p.callAs(t, browserAdminToken, "POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	require.Less(t, st, 300, "%v", res)

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		adminOnChannels(base),
		chromedp.Click(chromedp.CSS("#new-channel")),
		chromedp.WaitVisible(chromedp.CSS("#channel-form")),
		channelsSetValue("#ch-template", "builtin_smpp"),
		chromedp.WaitVisible(chromedp.CSS(`#channel-form [data-field="system_id"]`)),
	))
	form, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-form")))
	require.NoError(t, err)
	for _, title := range []string{"SMSC Address", "SMSC Port", "System ID", "Password", "Bind Type", "Address TON", "Default Destination Address NPI", "Charsets"} {
		require.Contains(t, form, title)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ch-name"), "Carrier SMSC"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="host"]`), smsc.Host),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="port"]`), strconv.Itoa(smsc.Port)),
		channelsSetValue(`#channel-form [data-field="tls"]`, "off"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="system_id"]`), "test"),
		chromedp.SendKeys(chromedp.CSS(`#channel-form [data-field="password"]`), "secret"),
		chromedp.SendKeys(chromedp.CSS(`.number-row input[name=number]`), "+447700900001"),
		channelsSetValue(`.number-row select[name=destinationType]`, "extension"),
		channelsSetValue(`.number-row select[name=destination]`, "1001"),
		chromedp.Click(chromedp.CSS(`#channel-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#channel-page")),
	))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-status")))
	require.NoError(t, err)
	require.Equal(t, "connected", status)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("connect-fields")).display`))
	require.NoError(t, err)
	require.Equal(t, "none", shown, "no webhook URL to copy")
	settings, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#channel-settings")))
	require.NoError(t, err)
	require.Contains(t, settings, "transceiver", "an optional list's default is its first option")
	hint, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#connect-hint")))
	require.NoError(t, err)
	require.Contains(t, hint, "connects to the provider itself (SMPP)")
	browsertest.Screenshot(t, ctx, "channel-smpp")
	smsc.WaitBound(t, "bind_transceiver")
}
