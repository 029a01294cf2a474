package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/testpeers"
)

// savedToken is the integration's token as the store keeps it.
func (e *env) savedToken(t *testing.T, id string) *auth.Token {
	t.Helper()
	tok, err := auth.DatabaseTokens(e.store).Load(t.Context(), id)
	require.NoError(t, err)
	return tok
}

const oauthTemplate = `<Information Provider="helpdesk" Name="OAuth Desk" Key="oauth_desk" AuthType="oauth2"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="AuthEndPoint" Value="{{.issuer}}/authorize"/>
  <Parameter Name="TokenEndPoint" Value="{{.issuer}}/token"/>
  <Parameter Name="Scope" Value="contacts.read,contacts.write"/>
  <Parameter Father="CustomFieldList" Name="issuer"/><Parameter Father="CustomFieldList" Name="api"/>
  <Parameter Father="CustomFieldList" Name="client_id"/><Parameter Father="CustomFieldList" Name="client_secret" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.api}}/contacts"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.auth"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`

// The OAuth2 code flow end to end through the callback route, against
// oauth2-mock-server: connect → authorize URL → the provider redirects the
// browser to /integration/callback/… → code exchanged → connected.
func TestOAuth2ThroughTheCallbackRoute(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t)
	e := newEnv(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":[{"id":"c1","auth":%q,"phone":"+1"}]}`, r.Header.Get("Authorization"))
	}))
	t.Cleanup(api.Close)
	tpl := e.expect(e.admin("POST", "/api/v1/templates", oauthTemplate), 201)
	fields := map[string]string{"issuer": mock.URL, "api": api.URL, "client_id": "sb-app", "client_secret": "sb-app-secret"}
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": fields}), 201)
	id := in["id"].(string)
	require.Equal(t, "authorizing", in["status"])
	authURL, err := url.Parse(in["authorizeUrl"].(string))
	require.NoError(t, err)
	q := authURL.Query()
	require.Equal(t, e.srv.URL+"/integration/callback/api/helpdesk/"+id+"/", q.Get("redirect_uri"))
	require.Equal(t, "contacts.read,contacts.write", q.Get("scope"), "the scope as the author wrote it")
	require.Equal(t, "sb-app", q.Get("client_id"))
	require.NotEmpty(t, q.Get("state"))

	// A forged state is refused and changes nothing.
	forged := e.do("GET", "/integration/callback/api/helpdesk/"+id+"/?code=x&state=forged", "", nil)
	require.Equal(t, 400, forged.Status)

	// The "browser": the mock authorizes at once and redirects to the callback.
	var callbackURL string
	browser := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		callbackURL = req.URL.String()
		return nil
	}}
	res, err := browser.Get(authURL.String())
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, string(page))
	require.Contains(t, string(page), "Switchboard is connected")
	require.Contains(t, string(page), `url=/integrations/`+id, "the page takes the browser back to the integration's console page")
	require.Equal(t, "authorization_code", mock.TokenRequests(t, 1)[0].GrantType)

	got := e.expect(e.admin("GET", "/api/v1/integrations/"+id, nil), 200)
	require.Equal(t, "connected", got["status"])
	require.NotContains(t, fmt.Sprint(got), "sb-app-secret")

	// The stored token is used.
	search := e.expect(e.admin("GET", "/api/v1/integrations/"+id+"/contacts/search?q=123", nil), 200)
	auth := search["contacts"].([]any)[0].(map[string]any)["values"].(map[string]any)["FirstName"].(string)
	require.True(t, strings.HasPrefix(auth, "Bearer ey"), auth)
	tok := e.savedToken(t, id)
	require.Equal(t, "Bearer "+tok.AccessToken, auth)
	require.NotEmpty(t, tok.RefreshToken)

	// The state was single-use.
	replay := e.do("GET", strings.TrimPrefix(callbackURL, e.srv.URL), "", nil)
	require.Equal(t, 400, replay.Status)
	require.Contains(t, string(replay.Body), "unknown, used, expired or not for this integration")

	// A state issued for another integration does not work here.
	other := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": fields}), 201)
	otherState := mustParse(t, other["authorizeUrl"].(string)).Query().Get("state")
	require.Equal(t, 400, e.do("GET", "/integration/callback/api/helpdesk/"+id+"/?code=x&state="+url.QueryEscape(otherState), "", nil).Status)

	// The provider's refusal fails the integration with the reason.
	third := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": fields}), 201)
	thirdState := mustParse(t, third["authorizeUrl"].(string)).Query().Get("state")
	denied := e.do("GET", "/integration/callback/api/helpdesk/"+third["id"].(string)+"/?error=access_denied&error_description=User+said+no&state="+url.QueryEscape(thirdState), "", nil)
	require.Equal(t, 400, denied.Status)
	failed := e.expect(e.admin("GET", "/api/v1/integrations/"+third["id"].(string), nil), 200)
	require.Equal(t, "failed", failed["status"])
	require.Equal(t, "the provider refused: access_denied User said no", failed["statusReason"])
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}
