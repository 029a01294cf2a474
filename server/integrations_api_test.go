package server_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIntegrationsConnectAndFields(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	// Field problems, all at once.
	r := e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk",
		"fields": map[string]string{"base_url": desk.URL, "emial": "x"}})
	require.Equal(t, 400, r.Status)
	details := fmt.Sprint(r.JSON(t)["error"].(map[string]any)["details"])
	require.Contains(t, details, `unknown field "emial" (did you mean "email"?)`)
	require.Contains(t, details, `field "api_token" (API token) is required`)
	require.Equal(t, 400, e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "nope", "fields": map[string]string{}}).Status)

	// Connect: basic auth needs no round trip; status connected.
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	id := in["id"].(string)
	require.Equal(t, "connected", in["status"])
	require.Equal(t, []any{"api_token"}, in["secretFields"])
	require.NotContains(t, fmt.Sprint(in), "zd-secret-token-42", "secret values are never echoed")

	got := e.expect(e.admin("GET", "/api/v1/integrations/"+id, nil), 200)
	require.Equal(t, desk.URL, got["fields"].(map[string]any)["base_url"])
	all := e.admin("GET", "/api/v1/integrations", nil)
	require.Equal(t, 200, all.Status)
	require.NotContains(t, string(all.Body), "zd-secret-token-42")

	// New fields; the secret left out keeps its value (search still authenticates).
	up := e.expect(e.admin("PUT", "/api/v1/integrations/"+id+"/fields", map[string]any{"fields": map[string]string{"base_url": desk.URL, "email": "new@acme.test"}}), 200)
	require.Equal(t, "new@acme.test", up["fields"].(map[string]any)["email"])
	res := e.expect(e.admin("GET", "/api/v1/integrations/"+id+"/contacts/search?q=%2B14155550100", nil), 200)
	require.Len(t, res["contacts"], 1)
	require.Equal(t, 400, e.admin("PUT", "/api/v1/integrations/"+id+"/fields", map[string]any{"fields": map[string]string{"nope": "1"}}).Status)

	// Delete.
	e.expect(e.admin("DELETE", "/api/v1/integrations/"+id, nil), 204)
	require.Equal(t, 404, e.admin("GET", "/api/v1/integrations/"+id, nil).Status)
	require.Equal(t, 404, e.admin("DELETE", "/api/v1/integrations/"+id, nil).Status)
}

func TestListFieldOptions(t *testing.T) {
	e := newEnv(t)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate("opts", "{{.base}}/x")), 201)
	r := e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k", "region": "asia"}})
	require.Equal(t, 400, r.Status)
	require.Contains(t, string(r.Body), `field \"region\" must be one of eu, us, not \"asia\"`)
	e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k"}}), 201)
}

func bearerTemplate(key string) string {
	return `<Information Provider="crm" Name="Bearer CRM" Key="` + key + `" AuthType="bearertoken"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="TokenEndPoint" Value="{{.base}}/token"/>
  <Parameter Name="TokenRequestBody" Value="{&quot;secret&quot;:&quot;{{.secret}}&quot;}"/>
  <Parameter Father="CustomFieldList" Name="base"/><Parameter Father="CustomFieldList" Name="secret" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="GetGlobalInfo" Type="REST"><Requests>
  <Request Name="me" Method="GET" URLFormat="{{.base}}/me"><Outputs><Output Name="DepartmentId" Path="department.id"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts?d={{.DepartmentId}}"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`
}

func TestBearerIntegrationFetchesAtConnectAndStoresGlobalInfo(t *testing.T) {
	e := newEnv(t)
	var fetched atomic.Int32
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			if !strings.Contains(readBody(r), "crm-secret-77") {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad secret"}`)
				return
			}
			fmt.Fprintf(w, `{"access_token":"crm-token-%d"}`, fetched.Add(1))
		case "/me":
			fmt.Fprint(w, `{"department":{"id":"D-9"}}`)
		case "/contacts":
			fmt.Fprintf(w, `{"data":[{"id":"c1","name":"Ann","phone":"+1"}],"d":%q,"auth":%q}`, r.URL.Query().Get("d"), r.Header.Get("Authorization"))
		}
	}))
	t.Cleanup(crm.Close)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", bearerTemplate("bearer_crm")), 201)

	failed := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": crm.URL, "secret": "wrong"}}), 201)
	require.Equal(t, "failed", failed["status"])
	require.Contains(t, failed["statusReason"], "HTTP 401 Unauthorized: invalid_client: bad secret")

	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": crm.URL, "secret": "crm-secret-77"}}), 201)
	require.Equal(t, "connected", in["status"])
	require.EqualValues(t, 1, fetched.Load(), "the token is fetched at connect")
	require.Equal(t, map[string]any{"DepartmentId": "D-9"}, in["globalVars"])
	res := e.expect(e.admin("GET", "/api/v1/integrations/"+in["id"].(string)+"/contacts/search?q=123456", nil), 200)
	require.Equal(t, "number", res["by"])
	trace := fmt.Sprint(res["trace"])
	require.Contains(t, trace, "d=D-9", "global info outputs are variables of later scenarios")
	require.Contains(t, trace, "Bearer ****")
	require.EqualValues(t, 1, fetched.Load(), "the stored token is reused")
}

func readBody(r *http.Request) string {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	return b.String()
}

func TestContactSearch(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	base := "/api/v1/integrations/" + in["id"].(string) + "/contacts/search"

	byNumber := e.expect(e.admin("GET", base+"?q=%2B1%20(415)%20555-0100", nil), 200)
	require.Equal(t, "number", byNumber["by"])
	c := byNumber["contacts"].([]any)[0].(map[string]any)
	require.Equal(t, "contacts", c["type"])
	require.Equal(t, desk.URL+"/agent/users/17", c["url"], "the screen-pop URL")
	require.Equal(t, "+14155550101", c["values"].(map[string]any)["BusinessNumber2"])

	agent := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "agent", "extension": "1001", "name": "a"}), 201)["token"].(string)
	byText := e.expect(e.do("GET", base+"?q=Ann", agent, nil), 200)
	require.Equal(t, "text", byText["by"])
	require.Equal(t, "18", byText["contacts"].([]any)[0].(map[string]any)["values"].(map[string]any)["ContactsId"])
	require.Nil(t, byText["trace"], "agents do not get traces")

	pbx := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "pbx", "name": "p"}), 201)["token"].(string)
	require.Equal(t, 403, e.do("GET", base+"?q=Ann", pbx, nil).Status)
	require.Equal(t, 400, e.admin("GET", base+"?q=", nil).Status)
	require.Equal(t, 404, e.admin("GET", "/api/v1/integrations/nope/contacts/search?q=1", nil).Status)

	// The helpdesk fails after connecting: 502 with the trace for admins,
	// without it for agents.
	o := newOutage(t, desk.URL)
	flaky := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(o.URL)}), 201)
	require.Equal(t, "connected", flaky["status"])
	o.down.Store(true)
	r := e.admin("GET", "/api/v1/integrations/"+flaky["id"].(string)+"/contacts/search?q=123", nil)
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.Contains(t, string(r.Body), "HTTP 500")
	require.Contains(t, string(r.Body), `"responseBody"`, "admins get the trace")
	r = e.do("GET", "/api/v1/integrations/"+flaky["id"].(string)+"/contacts/search?q=123", agent, nil)
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.NotContains(t, string(r.Body), "trace", "agents never see a trace")
	require.NotContains(t, string(r.Body), o.URL, "nor the helpdesk's address")

	metrics := e.do("GET", "/metrics", "", nil)
	require.Contains(t, string(metrics.Body), `switchboard_remote_requests_total{integration="`+in["id"].(string)+`",request="contacts",scenario="SyncContactAuto",status_class="2xx"} 1`)
}

// A replaced template is used by connected integrations at once.
func TestReplacedTemplateIsUsedWithoutRestart(t *testing.T) {
	e := newEnv(t)
	var paths []string
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-mu
		paths = append(paths, r.URL.Path)
		mu <- struct{}{}
		fmt.Fprint(w, `{"data":[{"id":"1","name":"A","phone":"+1"}]}`)
	}))
	t.Cleanup(desk.Close)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate("live", "{{.base}}/v1")), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": desk.URL, "api_key": "k"}}), 201)
	search := "/api/v1/integrations/" + in["id"].(string) + "/contacts/search?q=123"
	e.expect(e.admin("GET", search, nil), 200)
	e.expect(e.admin("PUT", "/api/v1/templates/"+tpl["id"].(string), customTemplate("live", "{{.base}}/v2")), 200)
	e.expect(e.admin("GET", search, nil), 200)
	<-mu
	require.Equal(t, []string{"/v1", "/v1", "/v2"}, paths, "the connection check, then the searches")
	mu <- struct{}{}
	require.Equal(t, 409, e.admin("DELETE", "/api/v1/templates/"+tpl["id"].(string), nil).Status, "a template in use stays")
}

// Templates cannot reach the cloud metadata service.
func TestLinkLocalAddressesAreRefused(t *testing.T) {
	e := newEnv(t)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate("meta", "http://169.254.169.254/latest/meta-data/{{.Phone}}")), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k"}}), 201)
	require.Equal(t, "failed", in["status"])
	require.Contains(t, in["statusReason"], "169.254.169.254 is a link-local or cloud metadata address")
}

// No file under the data directory holds a secret in clear, whatever the
// API was given.
func TestNoSecretAtRestThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	e.expect(e.admin("GET", "/api/v1/integrations/"+in["id"].(string)+"/contacts/search?q=123", nil), 200)
	tok := e.expect(e.admin("POST", "/api/v1/tokens", map[string]string{"role": "admin", "name": "x"}), 201)["token"].(string)
	e.closeStore()
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, secret := range []string{"zd-secret-token-42", tok} {
			require.False(t, bytes.Contains(data, []byte(secret)), "%s holds a secret in clear", path)
		}
		return nil
	})
	require.NoError(t, err)
}

// GetGlobalInfo runs at connect and again at start-up (RefreshGlobalInfo).
func TestGlobalInfoAtStartUp(t *testing.T) {
	e := newEnv(t)
	var dept atomic.Int32
	dept.Store(1)
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			fmt.Fprint(w, `{"access_token":"t"}`)
		case "/me":
			fmt.Fprintf(w, `{"department":{"id":"D-%d"}}`, dept.Load())
		}
	}))
	t.Cleanup(crm.Close)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", bearerTemplate("gi_crm")), 201)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": crm.URL, "secret": "s"}}), 201)
	require.Equal(t, map[string]any{"DepartmentId": "D-1"}, in["globalVars"])
	dept.Store(2)
	e.s.RefreshGlobalInfo(t.Context())
	got := e.expect(e.admin("GET", "/api/v1/integrations/"+in["id"].(string), nil), 200)
	require.Equal(t, map[string]any{"DepartmentId": "D-2"}, got["globalVars"])
}
