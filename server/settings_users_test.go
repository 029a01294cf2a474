package server_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSettingsAreCheckedAgainstTheTemplate(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	path := "/api/v1/integrations/" + in["id"].(string) + "/settings"
	good := map[string]any{
		"contactSync":     map[string]any{"enabled": true, "contactTypes": []string{"contacts"}, "alwaysQuery": false},
		"contactCreation": map[string]any{"enabled": true, "contactType": "contacts", "mode": "auto", "callTypes": []string{"inbound"}},
		"ticket":          map[string]any{"enabled": true, "when": "afterCall", "callTypes": []string{"inboundAnswered", "inboundMissed"}, "subject": "Call from {{.Call_From}}"},
		"callJournal":     map[string]any{"enabled": true, "subject": "Call", "playRecording": true},
		"screenPop":       map[string]any{"trigger": "ringing"},
		"numbers":         map[string]any{"stripPrefix": "9", "defaultCountry": "GB", "format": "e164"},
	}
	saved := e.expect(e.admin("PUT", path, good), 200)
	require.Equal(t, "GB", saved["settings"].(map[string]any)["numbers"].(map[string]any)["defaultCountry"])
	require.Equal(t, "ringing", saved["settings"].(map[string]any)["screenPop"].(map[string]any)["trigger"])

	bad := map[string]any{
		"contactSync":        map[string]any{"enabled": true, "contactTypes": []string{"leads"}},
		"contactCreation":    map[string]any{"enabled": true, "contactType": "contacts", "mode": "sometimes"},
		"ticket":             map[string]any{"enabled": true, "when": "beforeCall", "callTypes": []string{"inboundMissed"}, "subject": "{{.Call_From"},
		"screenPop":          map[string]any{"trigger": "never"},
		"scenarioParameters": map[string]any{"CreateNewTicket": map[string]string{"DepartmentId": "1"}},
		"numbers":            map[string]any{"stripPrefix": "9#", "defaultCountry": "UK", "format": "E.164"},
	}
	r := e.admin("PUT", path, bad)
	require.Equal(t, 400, r.Status)
	details := fmt.Sprint(r.JSON(t)["error"].(map[string]any)["details"])
	for _, want := range []string{
		`contactSync.contactTypes: "leads" is not a contact type of the template (contacts)`,
		`contactCreation.mode: "sometimes" is not auto or manual`,
		`ticket.callTypes: "inboundMissed" is not one of inbound, outbound for beforeCall`,
		`ticket.subject: template: unclosed action`,
		`screenPop.trigger: "never" is not one of ringing, answered, hangup, manual`,
		`scenarioParameters.CreateNewTicket.DepartmentId: the scenario has no such CustomScenarioParameter`,
		`numbers.stripPrefix: "9#" is not digits`,
		`numbers.defaultCountry: "UK" is not an ISO 3166 region`,
		`numbers.format: "E.164" is not one of e164, national, international, digits`,
	} {
		require.Contains(t, details, want)
	}
	require.Equal(t, 400, e.admin("PUT", path, `{"tickets":{}}`).Status, "unknown keys are refused")

	// A template without tickets refuses ticket settings.
	tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate("noticket", "{{.base}}/x")), 201)
	in2 := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k"}}), 201)
	r = e.admin("PUT", "/api/v1/integrations/"+in2["id"].(string)+"/settings", map[string]any{"ticket": map[string]any{"enabled": true, "when": "afterCall", "callTypes": []string{"inboundMissed"}}})
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), `ticket: the template does not offer it (CreateNewTicket=\"\")`)
	require.Equal(t, 404, e.admin("PUT", "/api/v1/integrations/nope/settings", good).Status)
}

func TestUsersAndExtensions(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	base := "/api/v1/integrations/" + in["id"].(string)

	// Extensions.
	e.expect(e.admin("PUT", "/api/v1/extensions/1001", map[string]string{"firstName": "Dana", "email": "dana@acme.test"}), 200)
	e.expect(e.admin("PUT", "/api/v1/extensions/1002", map[string]string{"firstName": "Eli", "email": "someone@else.test"}), 200)
	require.Equal(t, 400, e.admin("PUT", "/api/v1/extensions/ten", map[string]string{}).Status)
	require.Equal(t, 400, e.admin("PUT", "/api/v1/extensions/1003", map[string]string{"email": "not an address"}).Status)
	exts := e.expect(e.admin("GET", "/api/v1/extensions", nil), 200)["extensions"].([]any)
	require.Len(t, exts, 2)

	// Sync.
	synced := e.expect(e.admin("POST", base+"/users/sync", nil), 200)
	users := synced["users"].([]any)
	require.Len(t, users, 2)
	require.Equal(t, map[string]any{"id": "361", "firstName": "Dana Agent", "lastName": "", "email": "DANA@acme.test", "extensions": []any{}}, users[0])

	// Auto-bind by e-mail, ignoring case.
	bound := e.expect(e.admin("POST", base+"/users/autobind", nil), 200)
	require.Equal(t, []any{map[string]any{"userId": "361", "extension": "1001"}}, bound["bound"])
	listed := e.expect(e.admin("GET", base+"/users", nil), 200)["users"].([]any)
	require.Equal(t, []any{"1001"}, listed[0].(map[string]any)["extensions"])

	// Manual binding.
	u := e.expect(e.admin("PUT", base+"/users/362", map[string]any{"extensions": []string{"1002"}}), 200)
	require.Equal(t, []any{"1002"}, u["extensions"])
	require.Equal(t, 409, e.admin("PUT", base+"/users/362", map[string]any{"extensions": []string{"1001"}}).Status, "1001 is Dana's")
	require.Equal(t, 400, e.admin("PUT", base+"/users/362", map[string]any{"extensions": []string{"9999"}}).Status)
	require.Equal(t, 404, e.admin("PUT", base+"/users/nobody", map[string]any{"extensions": []string{}}).Status)

	// A new sync keeps the bindings.
	e.expect(e.admin("POST", base+"/users/sync", nil), 200)
	listed = e.expect(e.admin("GET", base+"/users", nil), 200)["users"].([]any)
	require.Equal(t, []any{"1001"}, listed[0].(map[string]any)["extensions"])
	require.Equal(t, 404, e.admin("POST", "/api/v1/integrations/nope/users/sync", nil).Status)

	// A template without UserAssociation cannot sync.
	tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate("nousers", "{{.base}}/x")), 201)
	in2 := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k"}}), 201)
	require.Equal(t, 409, e.admin("POST", "/api/v1/integrations/"+in2["id"].(string)+"/users/sync", nil).Status)
}
