package server_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func customTemplate(key, url string) string {
	return fmt.Sprintf(`<Information Provider="helpdesk" Name="Custom %[1]s" Key="%[1]s" Version="1.0.0" AuthType="none">
<Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Father="CustomFieldList" Name="base" Editor="string" Title="Base URL"/>
  <Parameter Father="CustomFieldList" Name="api_key" Editor="password" Title="API key" Value="default-key-123"/>
  <Parameter Father="CustomFieldList" Name="region" Editor="list" Title="Region" Value="eu,us" Required="0"/>
  <Parameter Father="PopulateTemplateString" Type="Header" Name="X-Api-Key" Value="{{.api_key}}"/>
</Parameters></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Parameters>
  <Parameter Name="ContactUrlType" Value="specify_url_format"/>
  <Parameter Name="URLFormat" Value="{{.base}}/contacts/{{.ContactId}}"/>
</Parameters><Requests>
  <Request Name="contacts" Method="GET" URLFormat="%[2]s"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="BusinessNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`, key, url)
}

func TestTemplatesAPI(t *testing.T) {
	e := newEnv(t)
	list := e.expect(e.admin("GET", "/api/v1/templates", nil), 200)["templates"].([]any)
	require.Len(t, list, 24, "the built-in templates are there from the start")
	keys := map[string]string{}
	for _, tpl := range list {
		require.True(t, tpl.(map[string]any)["builtIn"].(bool))
		keys[tpl.(map[string]any)["key"].(string)] = tpl.(map[string]any)["provider"].(string)
	}
	require.Equal(t, map[string]string{"freshdesk": "helpdesk", "zendesk": "helpdesk", "zohodesk": "helpdesk", "hubspot": "crm",
		"pipedrive": "crm", "zammad": "helpdesk", "salesforce": "crm", "dynamics365": "crm", "zohocrm": "crm", "freshservice": "helpdesk",
		"intercom": "helpdesk", "front": "helpdesk",
		"bandwidth": "sms", "flowroute": "sms", "siptrunk": "sms", "smpp": "sms", "sms_generic": "sms", "telesign": "sms", "telnyx": "sms", "twilio": "sms", "voicemeup": "sms", "voipms": "sms", "voipms_rest": "sms", "whatsapp_cloud": "messaging"}, keys)

	// Upload raw XML: 201 with the warnings.
	lovable := readFile(t, "../templates/testdata/valid/lovable-helpdesk.xml")
	created := e.expect(e.admin("POST", "/api/v1/templates", lovable), 201)
	id := created["id"].(string)
	require.Equal(t, "lovable_helpdesk", created["key"])
	require.Equal(t, false, created["builtIn"])
	warnings := created["warnings"].([]any)
	require.Len(t, warnings, 1)
	require.EqualValues(t, 49, warnings[0].(map[string]any)["line"])

	// Multipart upload.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, err := mw.CreateFormFile("file", "custom.xml")
	require.NoError(t, err)
	fmt.Fprint(fw, customTemplate("custom_a", "{{.base}}/search?q={{.Phone}}"))
	require.NoError(t, mw.Close())
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/templates", &mp)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+adminToken)
	hr, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	hr.Body.Close()
	require.Equal(t, 201, hr.StatusCode)

	// Metadata describes the fields a connect form needs.
	meta := e.expect(e.admin("GET", "/api/v1/templates/"+id, nil), 200)
	require.Equal(t, "oauth2", meta["authType"])
	fields := meta["fields"].([]any)
	require.Len(t, fields, 5)
	require.Equal(t, map[string]any{"name": "client_id", "title": "Client ID", "editor": "password", "secret": true, "required": true}, fields[1])

	// Every problem of an invalid template, with its place.
	r := e.admin("POST", "/api/v1/templates", readFile(t, "../templates/testdata/invalid/many-problems.xml"))
	require.Equal(t, 400, r.Status)
	body := r.JSON(t)["error"].(map[string]any)
	require.Equal(t, "invalid_template", body["code"])
	details := body["details"].([]any)
	require.Len(t, details, 26)
	first := details[0].(map[string]any)
	require.EqualValues(t, 2, first["line"])
	require.EqualValues(t, 48, first["column"])
	require.Equal(t, "Information@Key", first["path"])
	require.NotEmpty(t, first["message"])
	r = e.admin("POST", "/api/v1/templates", readFile(t, "../templates/testdata/invalid/custom-helpdesk-unescaped.xml"))
	require.Equal(t, 400, r.Status)
	require.EqualValues(t, 10, r.JSON(t)["error"].(map[string]any)["details"].([]any)[0].(map[string]any)["line"])
	require.Equal(t, 400, e.admin("POST", "/api/v1/templates", "").Status)

	// Over 1 MB: 413.
	big := strings.Replace(customTemplate("big", "{{.base}}/x"), "<Scenarios>", "<Scenarios><!--"+strings.Repeat("x", 1<<20)+"-->", 1)
	r = e.admin("POST", "/api/v1/templates", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	require.Equal(t, "too_large", errCode(t, r))

	// A taken Key: 409.
	require.Equal(t, 409, e.admin("POST", "/api/v1/templates", lovable).Status)
	require.Equal(t, 409, e.admin("POST", "/api/v1/templates", customTemplate("zendesk", "{{.base}}/x")).Status, "built-in keys are taken too")

	// Ten custom templates at most; built-in ones do not count.
	for i := range 8 {
		e.expect(e.admin("POST", "/api/v1/templates", customTemplate(fmt.Sprint("c", i), "{{.base}}/x")), 201)
	}
	r = e.admin("POST", "/api/v1/templates", customTemplate("eleventh", "{{.base}}/x"))
	require.Equal(t, 409, r.Status)
	require.Contains(t, string(r.Body), "10 custom templates")

	// Download without secret values.
	dl := e.admin("GET", "/api/v1/templates/builtin_custom_a/xml", nil)
	require.Equal(t, 404, dl.Status)
	var customID string
	for _, tpl := range e.expect(e.admin("GET", "/api/v1/templates", nil), 200)["templates"].([]any) {
		if tpl.(map[string]any)["key"] == "custom_a" {
			customID = tpl.(map[string]any)["id"].(string)
		}
	}
	dl = e.admin("GET", "/api/v1/templates/"+customID+"/xml", nil)
	require.Equal(t, 200, dl.Status)
	require.Equal(t, "application/xml; charset=utf-8", dl.Header.Get("Content-Type"))
	require.Contains(t, dl.Header.Get("Content-Disposition"), `filename="custom_a.xml"`)
	require.NotContains(t, string(dl.Body), "default-key-123")
	require.Contains(t, string(dl.Body), `Name="api_key"`)

	// Replace; built-in templates cannot be replaced or deleted.
	rep := e.expect(e.admin("PUT", "/api/v1/templates/"+customID, customTemplate("custom_a", "{{.base}}/v2?q={{.Phone}}")), 200)
	require.Equal(t, customID, rep["id"])
	require.Equal(t, 400, e.admin("PUT", "/api/v1/templates/"+customID, "<Information/>").Status)
	require.Equal(t, 409, e.admin("PUT", "/api/v1/templates/builtin_zendesk", customTemplate("zendesk", "{{.base}}/x")).Status)
	require.Equal(t, 409, e.admin("DELETE", "/api/v1/templates/builtin_zendesk", nil).Status)
	require.Equal(t, 404, e.admin("GET", "/api/v1/templates/nope", nil).Status)
	require.Equal(t, 404, e.admin("PUT", "/api/v1/templates/nope", customTemplate("n", "{{.base}}/x")).Status)

	// Delete frees a place.
	e.expect(e.admin("DELETE", "/api/v1/templates/"+id, nil), 204)
	require.Equal(t, 404, e.admin("DELETE", "/api/v1/templates/"+id, nil).Status)
	e.expect(e.admin("POST", "/api/v1/templates", customTemplate("eleventh", "{{.base}}/x")), 201)
}
