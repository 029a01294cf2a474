package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

func run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidate(t *testing.T) {
	t.Run("examples are clean", func(t *testing.T) {
		code, out, _ := run("template", "validate", "../../examples/zendesk.xml", "../../examples/freshdesk.xml", "../../examples/zohodesk.xml")
		require.Equal(t, cli.ExitOK, code, out)
		require.Equal(t, 3, strings.Count(out, ": ok\n"))
	})
	t.Run("warnings alone pass", func(t *testing.T) {
		code, out, _ := run("template", "validate", "../../templates/testdata/valid/lovable-helpdesk.xml")
		require.Equal(t, cli.ExitOK, code)
		require.Contains(t, out, "lovable-helpdesk.xml:49:20 warning: Scenario[SyncContactAuto]/Parameter[CustomValueEnable]@Name")
		require.Contains(t, out, "ok, 1 warning")
	})
	t.Run("every problem with its position", func(t *testing.T) {
		file := "../../templates/testdata/invalid/many-problems.xml"
		code, out, _ := run("template", "validate", file)
		require.Equal(t, cli.ExitFailed, code)
		require.Contains(t, out, file+`:22:49 Scenario[SyncContactAuto]/Request[contacts]@URLFormat: template: function "UrlEncod" not defined (did you mean "UrlEncode"?)`)
		require.Contains(t, out, file+":39:20 Scenario[Common]/Request[B]/Outputs@Next: Next chain loops: A → B → A")
		require.Contains(t, out, "invalid, 21 errors, 5 warnings")
	})
	t.Run("not well formed", func(t *testing.T) {
		code, out, _ := run("template", "validate", "../../templates/testdata/invalid/custom-helpdesk-unescaped.xml")
		require.Equal(t, cli.ExitFailed, code)
		require.Contains(t, out, "custom-helpdesk-unescaped.xml:10:163 XML is not well formed")
	})
	t.Run("json", func(t *testing.T) {
		code, out, _ := run("template", "validate", "--json", "../../templates/testdata/invalid/many-problems.xml", "../../examples/zendesk.xml")
		require.Equal(t, cli.ExitFailed, code)
		var reports []struct {
			File     string
			Valid    bool
			Problems []struct {
				Line, Column            int
				Path, Message, Severity string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(out), &reports))
		require.Len(t, reports, 2)
		require.False(t, reports[0].Valid)
		require.Len(t, reports[0].Problems, 26)
		require.Equal(t, 2, reports[0].Problems[0].Line)
		require.True(t, reports[1].Valid)
		require.Empty(t, reports[1].Problems)
	})
	t.Run("bad usage", func(t *testing.T) {
		code, _, errOut := run("template", "validate")
		require.Equal(t, cli.ExitBadUsage, code)
		require.Contains(t, errOut, "at least one template file")
		code, _, errOut = run("template", "validate", "nope.xml")
		require.Equal(t, cli.ExitBadUsage, code)
		require.Contains(t, errOut, "nope.xml")
		code, _, _ = run("template", "validate", "--nosuchflag", "x.xml")
		require.Equal(t, cli.ExitBadUsage, code)
	})
}

// runResult is the JSON shape of DESIGN §8.
type runResult struct {
	Scenario string `json:"scenario"`
	Rows     []struct {
		Request string            `json:"request"`
		Values  map[string]string `json:"values"`
	} `json:"rows"`
	Vars  map[string]string `json:"vars"`
	Trace []struct {
		Request        string            `json:"request"`
		Method         string            `json:"method"`
		URL            string            `json:"url"`
		Status         int               `json:"status"`
		DurationMs     *int64            `json:"durationMs"`
		RequestHeaders map[string]string `json:"requestHeaders"`
		RequestBody    *string           `json:"requestBody"`
		ResponseBody   *string           `json:"responseBody"`
		Error          *string           `json:"error"`
	} `json:"trace"`
	Error *string `json:"error"`
}

func zendesk(t *testing.T, h http.HandlerFunc) []string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return []string{"template", "run", "../../examples/zendesk.xml",
		"--field", "base_url=" + srv.URL, "--field", "email=agent@acme.test", "--field", "api_token=cli-secret-token"}
}

func TestRunJSON(t *testing.T) {
	args := zendesk(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/search.json"):
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann","phone":"+14155550100"}]}`)
		default:
			fmt.Fprint(w, `{"identities":[{"type":"phone_number","value":"+1"},{"type":"phone_number","value":"+14155550111"}]}`)
		}
	})
	code, out, errOut := run(append(args, "--scenario", "SyncContactAuto", "--var", "Phone=+14155550100", "--json")...)
	require.Equal(t, cli.ExitOK, code, errOut)
	var res runResult
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.Equal(t, "SyncContactAuto", res.Scenario)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "contacts", res.Rows[0].Request)
	require.Equal(t, map[string]string{"ContactsId": "17", "FirstName": "Ann", "BusinessNumber": "+14155550100",
		"BusinessNumber2": "+14155550111", "LastName": "", "Email": "", "MobileNumber": "", "MobileNumber2": "", "Remark": ""}, res.Rows[0].Values)
	require.Equal(t, "17", res.Vars["ContactsId"])
	require.Len(t, res.Trace, 2)
	tr := res.Trace[0]
	require.Equal(t, "contacts", tr.Request)
	require.Equal(t, "GET", tr.Method)
	require.Equal(t, 200, tr.Status)
	require.NotNil(t, tr.DurationMs)
	require.NotNil(t, tr.RequestBody)
	require.NotNil(t, tr.ResponseBody)
	require.Equal(t, "Basic ****", tr.RequestHeaders["Authorization"])
	require.NotNil(t, res.Error)
	require.Empty(t, *res.Error)
	require.NotContains(t, out, "cli-secret-token")
}

func TestRunFailureStillPrintsTheResult(t *testing.T) {
	args := zendesk(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"Couldn't authenticate you"}`)
	})
	code, out, _ := run(append(args, "--scenario", "UserAssociation", "--json")...)
	require.Equal(t, cli.ExitFailed, code)
	var res runResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Contains(t, *res.Error, "HTTP 401")
	require.Len(t, res.Trace, 1)
	require.Equal(t, 401, res.Trace[0].Status)
}

func TestRunHumanOutput(t *testing.T) {
	args := zendesk(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"ticket":{"id":4711}}`) })
	code, out, _ := run(append(args, "--scenario", "CreateNewTicket", "--var", "Communication_Type=Inbound")...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "scenario CreateNewTicket: ok")
	require.Contains(t, out, "vars: TicketId=4711")
	require.Contains(t, out, "CreateNewTicket POST")
	require.NotContains(t, out, "cli-secret-token")
}

func TestRunBadUsage(t *testing.T) {
	args := zendesk(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"no scenario", args, "--scenario is required"},
		{"unknown scenario", append(args, "--scenario", "SyncContact"), `no runnable scenario "SyncContact"`},
		{"unknown field", append(args[:3:3], "--field", "api_tokn=x", "--scenario", "SyncContactAuto"), `did you mean "api_token"?`},
		{"bad var", append(args, "--scenario", "SyncContactAuto", "--var", "Phone"), "expected name=value"},
		{"unknown request", append(args, "--scenario", "SyncContactAuto", "--request", "nope"), `no request "nope"`},
		{"invalid template", []string{"template", "run", "../../templates/testdata/invalid/many-problems.xml", "--scenario", "SyncContactAuto"}, "not a valid template"},
		{"oauth2 without token", []string{"template", "run", "../../examples/zohodesk.xml", "--scenario", "SyncContactAuto",
			"--token-file", filepath.Join(t.TempDir(), "tokens.json"), "--field", "base_url=https://desk.test", "--field", "accounts_url=https://accounts.test"},
			"run 'switchboard template authorize ../../examples/zohodesk.xml' first, or pass one with --token"},
		{"authorize without fields", []string{"template", "authorize", "../../examples/zohodesk.xml", "--token-file", filepath.Join(t.TempDir(), "t.json")},
			"TokenEndPoint renders \"/oauth/v2/token?client_id=&client_secret=\", which is not an http(s) URL"},
		{"bad timezone", append(args, "--scenario", "SyncContactAuto", "--timezone", "Mars/Olympus"), "--timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(tt.args...)
			require.Equal(t, cli.ExitBadUsage, code, out+errOut)
			require.Contains(t, out+errOut, tt.msg)
		})
	}
}

func TestRunUsesGlobalInfo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/departments":
			fmt.Fprint(w, `{"data":[{"id":"d-1"},{"id":"d-2"}]}`)
		case "/tickets":
			fmt.Fprintf(w, `{"id":"t-%s"}`, r.URL.Query().Get("dept"))
		}
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "t.xml")
	require.NoError(t, os.WriteFile(file, []byte(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="none">
<Scenarios>
  <Scenario Id="AuthMethod" Type="AUTH"><Parameters><Parameter Father="CustomFieldList" Name="base" Editor="string"/></Parameters></Scenario>
  <Scenario Id="GetGlobalInfo" Type="REST"><Requests>
    <Request Name="departments" Method="GET" URLFormat="{{.base}}/departments"><Outputs><Output Name="DepartmentId" Path="data.#.id"/></Outputs></Request>
  </Requests></Scenario>
  <Scenario Id="CreateNewTicket" Type="REST"><Requests>
    <Request Name="CreateNewTicket" Method="POST" URLFormat="{{.base}}/tickets?dept={{.DepartmentId}}"><Outputs><Output Name="TicketId" Path="id"/></Outputs></Request>
  </Requests></Scenario>
</Scenarios></Information>`), 0o644))
	code, out, errOut := run("template", "run", file, "--field", "base="+srv.URL, "--scenario", "CreateNewTicket", "--json")
	require.Equal(t, cli.ExitOK, code, errOut)
	var res runResult
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "t-d-1", res.Vars["TicketId"])
	require.Len(t, res.Trace, 2)
	require.Equal(t, "departments", res.Trace[0].Request)

	code, out, _ = run("template", "run", file, "--field", "base="+srv.URL, "--scenario", "CreateNewTicket", "--json", "--no-global-info")
	require.Equal(t, cli.ExitOK, code)
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "t-", res.Vars["TicketId"])
}

func TestRunOAuth2WithToken(t *testing.T) {
	headers := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers <- r.Header.Clone()
		fmt.Fprint(w, `{"data":[{"id":"9","firstName":"Dana","lastName":"A","emailId":"dana@acme.test"}]}`)
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := run("template", "run", "../../examples/zohodesk.xml", "--scenario", "UserAssociation",
		"--field", "base_url="+srv.URL, "--field", "org_id=42", "--token", "zoho-token-abc", "--json")
	require.Equal(t, cli.ExitOK, code, errOut)
	h := <-headers
	require.Equal(t, "Zoho-oauthtoken zoho-token-abc", h.Get("Authorization"))
	require.Equal(t, "42", h.Get("orgId"))
	require.Contains(t, out, `"UserUniqueId": "9"`)
	require.NotContains(t, out, "zoho-token-abc")
}
