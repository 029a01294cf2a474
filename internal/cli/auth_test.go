package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/internal/testpeers"
)

func writeTemplate(t *testing.T, src string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.xml")
	require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
	return file
}

// template run with a bearertoken template: the token is fetched from the
// TokenEndPoint, used, and repaired once when the API calls it invalid.
func TestRunBearerToken(t *testing.T) {
	var issued atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), "client_secret=bearer-secret") {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprintf(w, `{"data":{"access_token":"tok-%d"}}`, issued.Add(1))
	}))
	t.Cleanup(tokens.Close)
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"message":"jwt expired"}`)
			return
		}
		fmt.Fprintf(w, `{"users":[{"id":"u1","auth":%q}]}`, r.Header.Get("Authorization"))
	}))
	t.Cleanup(api.Close)
	file := writeTemplate(t, `<Information Provider="helpdesk" Name="B" Key="b" AuthType="bearertoken"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="TokenEndPoint" Value="{{.token_url}}"/>
  <Parameter Name="TokenRequestBody" Value="grant_type=client_credentials&amp;client_id={{.client_id}}&amp;client_secret={{.client_secret}}"/>
  <Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid" Value="jwt expired"/>
  <Parameter Father="CustomFieldList" Name="token_url"/><Parameter Father="CustomFieldList" Name="api"/>
  <Parameter Father="CustomFieldList" Name="client_id"/><Parameter Father="CustomFieldList" Name="client_secret" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="UserAssociation" Type="REST"><Requests>
  <Request Name="UserAssociation" Method="GET" URLFormat="{{.api}}/users"><Outputs>
    <Output Name="UserUniqueId" Path="users.#.id"/><Output Name="Email" Path="users.#.auth"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`)
	code, out, errOut := run("template", "run", file, "--scenario", "UserAssociation", "--json",
		"--field", "token_url="+tokens.URL, "--field", "api="+api.URL, "--field", "client_id=app", "--field", "client_secret=bearer-secret")
	require.Equal(t, cli.ExitOK, code, errOut+out)
	var res runResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "Bearer tok-2", res.Rows[0].Values["Email"], "the repaired request carries the renewed token: %s", out)
	require.EqualValues(t, 2, issued.Load(), "fetched once, renewed once")
	require.Len(t, res.Trace, 2)
	require.Equal(t, 401, res.Trace[0].Status)
	require.NotContains(t, out, "bearer-secret")

	// A token endpoint that refuses is explained.
	code, out, _ = run("template", "run", file, "--scenario", "UserAssociation", "--json",
		"--field", "token_url="+tokens.URL, "--field", "api="+api.URL, "--field", "client_secret=wrong")
	require.Equal(t, cli.ExitFailed, code)
	require.Contains(t, out, "answered HTTP 401 Unauthorized: invalid_client")
}

// template authorize walks the OAuth code flow against oauth2-mock-server;
// template run then uses and keeps the stored token.
func TestAuthorizeThenRun(t *testing.T) {
	mock := testpeers.StartOAuth2Mock(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"users":[{"id":"u1","auth":%q}]}`, r.Header.Get("Authorization"))
	}))
	t.Cleanup(api.Close)
	file := writeTemplate(t, `<Information Provider="helpdesk" Name="O" Key="o" AuthType="oauth2"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="AuthEndPoint" Value="{{.issuer}}/authorize"/>
  <Parameter Name="TokenEndPoint" Value="{{.issuer}}/token"/>
  <Parameter Name="Scope" Value="read write"/>
  <Parameter Father="CustomFieldList" Name="issuer"/><Parameter Father="CustomFieldList" Name="api"/>
  <Parameter Father="CustomFieldList" Name="client_id"/><Parameter Father="CustomFieldList" Name="client_secret" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="UserAssociation" Type="REST"><Requests>
  <Request Name="UserAssociation" Method="GET" URLFormat="{{.api}}/users"><Outputs>
    <Output Name="UserUniqueId" Path="users.#.id"/><Output Name="Email" Path="users.#.auth"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`)
	tokenFile := filepath.Join(t.TempDir(), "tokens.json")
	fields := []string{"--field", "issuer=" + mock.URL, "--field", "client_id=app", "--field", "client_secret=s3cret-app"}

	pr, pw := io.Pipe()
	codeCh := make(chan int, 1)
	go func() {
		var errOut strings.Builder
		codeCh <- cli.Main(append([]string{"template", "authorize", file, "--listen", "127.0.0.1:0", "--token-file", tokenFile}, fields...), pw, &errOut)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var authURL string
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "http") {
			authURL = lines.Text()
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.Contains(t, authURL, mock.URL+"/authorize?")
	// The "browser": the mock redirects at once to the CLI's callback.
	resp, err := http.Get(authURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, string(page))
	require.Contains(t, string(page), "Switchboard is authorized")
	require.Equal(t, cli.ExitOK, <-codeCh)
	reqs := mock.TokenRequests(t, 1)
	require.Equal(t, "authorization_code", reqs[0].GrantType)

	saved, err := os.ReadFile(tokenFile)
	require.NoError(t, err)
	var tokens map[string]struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, json.Unmarshal(saved, &tokens))
	require.NotEmpty(t, tokens["o"].RefreshToken)

	code, out, errOut := run(append([]string{"template", "run", file, "--scenario", "UserAssociation", "--json",
		"--token-file", tokenFile, "--field", "api=" + api.URL}, fields...)...)
	require.Equal(t, cli.ExitOK, code, errOut)
	var res runResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "Bearer "+tokens["o"].AccessToken, res.Rows[0].Values["Email"])
	require.NotContains(t, out, "s3cret-app")
}
