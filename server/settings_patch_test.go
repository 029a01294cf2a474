package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A key in the wrong case, or unknown, is a 400 with a did-you-mean and
// leaves every setting as it was; PATCH changes only what it names; saving
// settings that cannot work answers with a warning.
func TestSettingsKeysPatchesAndWarnings(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	path := "/api/v1/integrations/" + in["id"].(string) + "/settings"
	e.expect(e.admin("PUT", path, `{"contactSync":{"enabled":true,"alwaysQuery":true},
		"ticket":{"enabled":true,"when":"afterCall","callTypes":["inboundMissed"]},"callJournal":{"enabled":true}}`), 200)
	settings := func() map[string]any {
		return e.expect(e.admin("GET", "/api/v1/integrations/"+in["id"].(string), nil), 200)["settings"].(map[string]any)
	}
	before := settings()

	for body, want := range map[string]string{
		`{"contactsync":{"enabled":false}}`:                       `contactsync: unknown key (did you mean \"contactSync\"?)`,
		`{"contactSync":{"Enabled":false}}`:                       `contactSync.Enabled: unknown key (did you mean \"enabled\"?)`,
		`{"ticket":{"enabled":true,"callTypez":["inbound"]}}`:     `ticket.callTypez: unknown key (did you mean \"callTypes\"?)`,
		`{"scenarioParameters":{"X":{"any":"keys"}},"tickets":1}`: `tickets: unknown key (did you mean \"ticket\"?)`,
	} {
		for _, method := range []string{"PUT", "PATCH"} {
			r := e.admin(method, path, body)
			require.Equal(t, 400, r.Status, "%s %s: %s", method, body, r.String())
			require.Equal(t, "unknown_keys", errCode(t, r))
			require.Contains(t, r.String(), want)
			require.Equal(t, before, settings(), "nothing changed")
		}
	}

	// PATCH: only what it names.
	got := e.expect(e.admin("PATCH", path, `{"contactSync":{"alwaysQuery":false},"screenPop":{"trigger":"ringing"}}`), 200)
	require.Empty(t, got["warnings"])
	after := settings()
	require.Equal(t, map[string]any{"enabled": true, "alwaysQuery": false}, after["contactSync"])
	require.Equal(t, map[string]any{"trigger": "ringing"}, after["screenPop"])
	require.Equal(t, before["ticket"], after["ticket"])
	require.Equal(t, before["callJournal"], after["callJournal"])
	// A patch is checked like a whole: a bad value leaves everything.
	r := e.admin("PATCH", path, `{"screenPop":{"trigger":"sometimes"}}`)
	require.Equal(t, 400, r.Status)
	require.Equal(t, after, settings())
	require.Equal(t, 400, e.admin("PATCH", path, `["not","an","object"]`).Status)

	// Turning tickets off while the journal, which Zendesk writes on the
	// call's ticket, stays on: saved, with a warning.
	got = e.expect(e.admin("PATCH", path, `{"ticket":null}`), 200)
	require.Nil(t, settings()["ticket"], "null removes a feature")
	require.Len(t, got["warnings"], 1)
	require.Contains(t, got["warnings"].([]any)[0], "tickets are off: every journal will be skipped")
}
