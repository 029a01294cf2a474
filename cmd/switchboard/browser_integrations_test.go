package main_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
	"github.com/switchboard/switchboard/internal/testpeers"
)

// integrationsDesk is a Zendesk-like helpdesk with two agents, for the
// integrations journey (popDesk with one more agent, and a password).
func integrationsDesk(t *testing.T) *httptest.Server {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin@acme.test/token:zd-token"))
	d := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != auth:
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"Couldn't authenticate you"}`)
		case r.URL.Path == "/api/v2/users.json" && r.Method == "GET":
			fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana Agent","email":"dana@acme.test"},{"id":362,"name":"Eli Agent","email":"eli@acme.test"}]}`)
		case r.URL.Path == "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[]}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(d.Close)
	return d
}

// pickOption chooses a value in a select as a person does (the page hears
// the change).
func pickOption(css, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(css)),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			ok, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
				s.dispatchEvent(new Event("change", {bubbles: true})); return s.value === %q; })()`, css, value, value))(ctx, t)
			if err == nil && !ok {
				err = fmt.Errorf("%s has no option %q", css, value)
			}
			return chromedp.Void{}, err
		},
	)
}

// clearInput empties an input (select all, delete).
func clearInput(css string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const i = document.querySelector(%q); i.select(); i.value = ""; return true; })()`, css))(ctx, t)
		return chromedp.Void{}, err
	}
}

// The admin connects the Zendesk example in the browser through the form
// made of its fields (a wrong field first: its error shows beside it),
// adds extension 1001, syncs the helpdesk's users, binds one to 1001 (and
// the other by e-mail), turns on contact sync, tickets and the journal
// (a ticket without call types is refused beside the field first), and
// the API has it all. Deleting asks first.
func TestBrowserAdminConnectsZendesk(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	desk := integrationsDesk(t)
	as("POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	as("PUT", "/api/v1/extensions/1002", map[string]string{"firstName": "Eli", "email": "eli@acme.test"})

	ctx := browsertest.New(t)
	text := func(css string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/integrations"),
		chromedp.WaitVisible(chromedp.CSS("#integrations-empty")),
		pickOption("#template", "builtin_zohodesk"),
		chromedp.WaitVisible(chromedp.CSS("#field-client_secret")),
	))
	// An OAuth2 template signs in at the provider.
	require.Equal(t, "Sign in with Zoho Desk", text("#connect-submit"))
	require.NoError(t, chromedp.Do(ctx,
		pickOption("#template", "builtin_zendesk"),
		chromedp.WaitVisible(chromedp.CSS("#field-base_url")),
	))
	// The form is the template's: the token is masked, every field required.
	typ, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("field-api_token").type`))
	require.NoError(t, err)
	require.Equal(t, "password", typ)
	require.Contains(t, text(`label[for="field-email"]`), "*")

	// A base URL without its scheme: the API's problem shows beside it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#field-base_url"), "acme.zendesk.com"),
		chromedp.SendKeys(chromedp.CSS("#field-email"), "admin@acme.test"),
		chromedp.SendKeys(chromedp.CSS("#field-api_token"), "zd-token"),
		chromedp.Click(chromedp.CSS("#connect-submit")),
		chromedp.WaitVisible(chromedp.CSS("#err-base_url")),
	))
	require.Contains(t, text("#err-base_url"), "needs a scheme")
	invalid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("field-base_url").getAttribute("aria-invalid") || ""`))
	require.NoError(t, err)
	require.Equal(t, "true", invalid)
	browsertest.Screenshot(t, ctx, "integrations-connect")

	// Fixed, it connects and the browser goes to the integration's page.
	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(step,
		clearInput("#field-base_url"),
		chromedp.SendKeys(chromedp.CSS("#field-base_url"), desk.URL),
		chromedp.Click(chromedp.CSS("#connect-submit")),
		chromedp.WaitVisible(chromedp.CSS("#integ-status .status")),
	), "%s", func() string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText`))
		return s
	}())
	require.Equal(t, "Connected", text("#integ-status .status"), text("#integ-status"))
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname.split("/")[2]`))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(id, "int_"), id)
	require.Contains(t, text("#integ-notice"), "Connected to Zendesk")

	// A wrong token fails the connection, with the helpdesk's reason; the
	// right one (typed again: a secret is never shown) connects again.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#field-api_token"), "wrong"),
		chromedp.Click(chromedp.CSS("#fields-save")),
		chromedp.WaitVisible(chromedp.CSS("#integ-status .status.failed")),
	))
	require.Contains(t, text("#integ-status .reason"), "401")
	browsertest.Screenshot(t, ctx, "integration-failed")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#field-api_token"), "zd-token"),
		chromedp.Click(chromedp.CSS("#fields-save")),
		chromedp.WaitVisible(chromedp.CSS("#integ-status .status.connected")),
	))

	// Extension 1001, added here; the helpdesk's users, synced.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ext-number"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#ext-first"), "Dana"),
		chromedp.Click(chromedp.CSS("#ext-save")),
		chromedp.WaitVisible(chromedp.CSS(`#ext-list tr[data-extension="1001"]`)),
		chromedp.Click(chromedp.CSS("#users-sync")),
		chromedp.WaitVisible(chromedp.CSS(`#users-list tr[data-user="361"]`)),
	))
	require.Contains(t, text("#users-result"), "Read 2 users")

	// Dana is bound to 1001 by hand, Eli by e-mail.
	require.NoError(t, chromedp.Do(ctx,
		pickOption(`#users-list tr[data-user="361"] select`, "1001"),
		chromedp.Click(chromedp.CSS(`#users-list tr[data-user="361"] button`)),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#users-list tr[data-user="361"] .integ-said').textContent === "Bound to 1001"`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#users-autobind"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("users-result").textContent.includes("Eli Agent → 1002")`))
	require.NoError(t, err)

	// The features: a ticket needs its call types, said beside them.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#contactSync-enabled")),
		pickOption("#screenPop-trigger", "ringing"),
		chromedp.Click(chromedp.CSS("#ticket-enabled")),
		chromedp.Click(chromedp.CSS("#callJournal-enabled")),
		chromedp.Click(chromedp.CSS("#settings-save")),
		chromedp.WaitVisible(chromedp.CSS(`[id="err-ticket.callTypes"]`)),
	))
	require.Contains(t, text(`[id="err-ticket.callTypes"]`), "say which calls get a ticket")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#ticket-callTypes-inboundAnswered")),
		chromedp.Click(chromedp.CSS("#ticket-callTypes-inboundMissed")),
		chromedp.Click(chromedp.CSS("#callJournal-recording")),
		chromedp.Click(chromedp.CSS("#chatJournal-enabled")),
		chromedp.SetValue(chromedp.CSS("#chatJournal-every"), "20"),
		chromedp.Click(chromedp.CSS("#chatJournal-create")),
		chromedp.SendKeys(chromedp.CSS("#numbers-stripPrefix"), "9"),
		chromedp.SendKeys(chromedp.CSS("#numbers-defaultCountry"), "gb"),
		pickOption("#numbers-format", "e164"),
		chromedp.Click(chromedp.CSS("#settings-save")),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("settings-saved").textContent.startsWith("Saved")`))
	require.NoError(t, err)
	errs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#settings-form .field-error").length`))
	require.NoError(t, err)
	require.Zero(t, errs, "the error went once the settings fit")
	browsertest.Screenshot(t, ctx, "integration-detail")

	// The API has what the admin chose.
	in := as("GET", "/api/v1/integrations/"+id, nil)
	require.Equal(t, "connected", in["status"])
	st := in["settings"].(map[string]any)
	require.Equal(t, true, st["contactSync"].(map[string]any)["enabled"])
	require.Equal(t, "ringing", st["screenPop"].(map[string]any)["trigger"])
	ticket := st["ticket"].(map[string]any)
	require.Equal(t, true, ticket["enabled"])
	require.Equal(t, "afterCall", ticket["when"])
	require.Equal(t, []any{"inboundAnswered", "inboundMissed"}, ticket["callTypes"])
	journal := st["callJournal"].(map[string]any)
	require.Equal(t, true, journal["enabled"])
	require.Equal(t, true, journal["playRecording"])
	require.Equal(t, map[string]any{"enabled": true, "every": float64(20), "createContact": true}, st["chatJournal"],
		"SMS and WhatsApp conversations are journaled too, every 20 messages, the customer created if unknown")
	require.Equal(t, map[string]any{"stripPrefix": "9", "defaultCountry": "GB", "format": "e164"}, st["numbers"])
	bound := map[string]any{}
	for _, u := range as("GET", "/api/v1/integrations/"+id+"/users", nil)["users"].([]any) {
		u := u.(map[string]any)
		bound[u["id"].(string)] = u["extensions"]
	}
	require.Equal(t, map[string]any{"361": []any{"1001"}, "362": []any{"1002"}}, bound)

	// Reloaded, the page shows what is stored.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/integrations/"+id),
		chromedp.WaitVisible(chromedp.CSS("#settings-form")),
	))
	on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("ticket-enabled").checked &&
		document.getElementById("ticket-callTypes-inboundMissed").checked && document.getElementById("screenPop-trigger").value === "ringing" &&
		document.getElementById("numbers-format").value === "e164" && document.getElementById("numbers-defaultCountry").value === "GB" &&
		document.getElementById("chatJournal-enabled").checked && document.getElementById("chatJournal-every").value === "20" &&
		document.querySelector('#users-list tr[data-user="361"] select').value === "1001"`))
	require.NoError(t, err)
	require.True(t, on)

	// The list shows it with its status.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/integrations"),
		chromedp.WaitVisible(chromedp.CSS(`#integrations-list tr[data-id="`+id+`"]`)),
	))
	require.Contains(t, text(`#integrations-list tr[data-id="`+id+`"]`), "Connected")
	browsertest.Screenshot(t, ctx, "integrations-list")

	// Deleting asks first.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#integrations-list tr[data-id="`+id+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#delete-start")),
		chromedp.Click(chromedp.CSS("#delete-start")),
		chromedp.WaitVisible(chromedp.CSS("#delete-yes")),
		chromedp.Click(chromedp.CSS("#delete-yes")),
		chromedp.WaitVisible(chromedp.CSS("#integrations-notice")),
	))
	st2, _ := (&proc{addr: addr}).callAs(t, browserAdminToken, "GET", "/api/v1/integrations/"+id, nil)
	require.Equal(t, 404, st2)
}

// oauthDeskTemplate is a helpdesk that signs in with OAuth2 (as in the
// server's OAuth tests).
const oauthDeskTemplate = `<Information Provider="helpdesk" Name="OAuth Desk" Key="oauth_desk" AuthType="oauth2"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="AuthEndPoint" Value="{{.issuer}}/authorize"/>
  <Parameter Name="TokenEndPoint" Value="{{.issuer}}/token"/>
  <Parameter Name="Scope" Value="contacts.read"/>
  <Parameter Father="CustomFieldList" Name="issuer" Title="Issuer URL"/><Parameter Father="CustomFieldList" Name="api" Title="API URL"/>
  <Parameter Father="CustomFieldList" Name="client_id" Title="Client ID"/><Parameter Father="CustomFieldList" Name="client_secret" Title="Client secret" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.api}}/contacts"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`

// An OAuth2 helpdesk's button signs in at the provider, which sends the
// browser back through the callback to the integration's page, connected.
func TestBrowserAdminSignsInWithOAuth2(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t)
	addr, _ := serveFresh(t)
	base := "http://" + addr
	p := &proc{addr: addr}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":[]}`)
	}))
	t.Cleanup(api.Close)
	st, _ := p.callAs(t, browserAdminToken, "POST", "/api/v1/users", map[string]any{"name": "ada", "role": "admin", "password": "admin password 1"})
	require.Equal(t, 201, st)
	req, err := http.NewRequest("POST", base+"/api/v1/templates", strings.NewReader(oauthDeskTemplate))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+browserAdminToken)
	req.Header.Set("Content-Type", "application/xml")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var tpl struct{ ID string }
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, 201, res.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, &tpl))

	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		signIn(base, "ada", "admin password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
		chromedp.Navigate(base+"/integrations"),
		pickOption("#template", tpl.ID),
		chromedp.WaitVisible(chromedp.CSS("#field-client_secret")),
		chromedp.SendKeys(chromedp.CSS("#field-issuer"), mock.URL),
		chromedp.SendKeys(chromedp.CSS("#field-api"), api.URL),
		chromedp.SendKeys(chromedp.CSS("#field-client_id"), "sb-app"),
		chromedp.SendKeys(chromedp.CSS("#field-client_secret"), "sb-app-secret"),
	))
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#connect-submit")))
	require.NoError(t, err)
	require.Equal(t, "Sign in with OAuth Desk", label)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#connect-submit"))))
	// The mock authorizes at once; the callback's page takes the browser
	// back to the integration's page.
	require.NoError(t, pollThroughNavigations(ctx, `location.pathname.startsWith("/integrations/int_") &&
		document.querySelector("#integ-status .status.connected") !== null`))
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#integ-notice")))
	require.NoError(t, err)
	require.Contains(t, notice, "Connected to OAuth Desk")
	require.Equal(t, "authorization_code", mock.TokenRequests(t, 1)[0].GrantType)
	browsertest.Screenshot(t, ctx, "integration-oauth2")
}

// pollThroughNavigations waits until the expression is true on whatever
// page the browser shows: a poll that a navigation ends is begun again on
// the next page.
func pollThroughNavigations(ctx context.Context, expr string) error {
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr))
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
}
