package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A template whose render breaks the bounds for one call's data (a loop
// over the call's talk time) ends that call's job failed at once, with a
// clear error and nothing sent, instead of coming back after every retry
// or restart.
func TestPoisonedRenderEndsTheJobFailed(t *testing.T) {
	e := newEnv(t)
	d := newCallDesk(t)
	xml, err := os.ReadFile("../examples/zendesk.xml")
	require.NoError(t, err)
	tpl := strings.Replace(string(xml), `Key="zendesk"`, `Key="zendesk_poisoned"`, 1)
	tpl = strings.Replace(tpl, `{{.base_url}}/api/v2/search.json?query=`, `{{.base_url}}/api/v2/search.json?pad={{range $i := until (atoi (default &quot;0&quot; .Talk_Duration_Sec))}}x{{end}}&amp;query=`, 1)
	created := e.expect(e.admin("POST", "/api/v1/templates", tpl), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": created["id"], "fields": zendeskFields(d.URL)}), 201)
	require.Equal(t, "connected", in["status"], in["statusReason"])
	id := in["id"].(string)
	e.expect(e.admin("PUT", "/api/v1/extensions/1001", map[string]string{"email": "dana@acme.test"}), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/sync", nil), 200)
	e.expect(e.admin("POST", "/api/v1/integrations/"+id+"/users/autobind", nil), 200)
	e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/settings", `{"contactSync":{"enabled":true,"alwaysQuery":true}}`), 200)

	searches := d.count("GET /api/v2/search.json")
	e.expect(e.admin("POST", "/api/v1/events/calls", callEvent("poisoned", "hangup", map[string]any{"talkSeconds": 100000000, "disposition": "ANSWERED"})), 202)
	run := e.waitGivenUp()
	require.EqualValues(t, 1, run["attempts"], "not retried")
	require.Contains(t, run["lastError"], "until 100000000 would make a list of 100000000 numbers")
	require.Equal(t, searches, d.count("GET /api/v2/search.json"), "nothing was sent")
}
