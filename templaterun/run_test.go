package templaterun_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
)

func load(t *testing.T, file string) *engine.Template {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	tmpl, problems := engine.Load(file, data, engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	return tmpl
}

func TestCheckSaysWhyARunCannotStart(t *testing.T) {
	zendesk := load(t, "../examples/zendesk.xml")
	sms := load(t, "../examples/sms_generic.xml")
	tests := []struct {
		name string
		t    *engine.Template
		in   templaterun.Input
		msg  string
	}{
		{"no scenario", zendesk, templaterun.Input{}, "pick a scenario to run; the template has SyncContactAuto"},
		{"the auth scenario", zendesk, templaterun.Input{Scenario: "AuthMethod"}, `no runnable scenario "AuthMethod"`},
		{"unknown field", zendesk, templaterun.Input{Scenario: "SyncContactAuto", Fields: engine.Vars{"api_tokn": "x"}},
			`field api_tokn: the template has no such custom field (did you mean "api_token"?)`},
		{"unknown request", zendesk, templaterun.Input{Scenario: "SyncContactAuto", Requests: []string{"nope"}}, `has no request "nope"`},
		{"oauth2 without a token", load(t, "../examples/zohodesk.xml"), templaterun.Input{Scenario: "SyncContactAuto"}, "give an access token"},
		{"a webhook", sms, templaterun.Input{Scenario: "ReceiveMessage"}, "reads a webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "oauth2 without a token" { // that one depends on where tokens are kept
				err := templaterun.Check(tt.t, tt.in)
				require.ErrorContains(t, err, tt.msg)
				require.True(t, templaterun.IsInput(err))
			}
			_, err := templaterun.Run(context.Background(), tt.t, tt.in, templaterun.Env{})
			require.ErrorContains(t, err, tt.msg, "Run checks first")
			require.True(t, templaterun.IsInput(err))
		})
	}
}

// A contact lookup runs as the screen pop's: the rows carry the pop-up
// URL; every exchange is masked; the caller's maps are left as they were.
func TestRunLooksUpContacts(t *testing.T) {
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann Lee","phone":"+14155550100"}]}`)
		default:
			fmt.Fprint(w, `{"identities":[]}`)
		}
	}))
	t.Cleanup(desk.Close)
	fields := engine.Vars{"base_url": desk.URL, "email": "a@acme.test", "api_token": "run-secret-token"}
	vars := engine.Vars{"Phone": "+14155550100"}
	out, err := templaterun.Run(context.Background(), load(t, "../examples/zendesk.xml"),
		templaterun.Input{Scenario: "SyncContactAuto", Fields: fields, Vars: vars}, templaterun.Env{})
	require.NoError(t, err)
	require.False(t, out.Failed(), out.Error)
	require.Equal(t, desk.URL+"/agent/users/17", out.Rows[0].ContactURL)
	require.NotEmpty(t, out.Trace)
	js, err := json.Marshal(out)
	require.NoError(t, err)
	require.NotContains(t, string(js), "run-secret-token")
	require.Contains(t, string(js), `"contactUrl"`)
	require.Equal(t, engine.Vars{"Phone": "+14155550100"}, vars)
	require.Len(t, fields, 3)
}

// A webhook is verified with the fields as the service keeps them: a
// custom field left empty takes its default, here the signing secret.
func TestReadWebhookUsesFieldDefaults(t *testing.T) {
	data, err := os.ReadFile("../examples/sms_generic.xml")
	require.NoError(t, err)
	withDefault := strings.Replace(string(data), `Name="secret" Title="Secret (for webhook signatures)" Editor="password"`,
		`Name="secret" Title="Secret (for webhook signatures)" Value="s3cret"`, 1)
	require.NotEqual(t, string(data), withDefault)
	tmpl, problems := engine.Load("sms.xml", []byte(withDefault), engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	body := `{"data":{"event_type":"message.received","payload":{"id":"m-1","from":{"phone_number":"+14155550123"},"to":[{"phone_number":"+14155550100"}],"text":"Hi"}}}`
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(body))
	res, err := templaterun.ReadWebhook(tmpl, templaterun.Webhook{Scenario: "ReceiveMessage", Body: []byte(body),
		Header: http.Header{"X-Signature-256": {"sha256=" + hex.EncodeToString(mac.Sum(nil))}}}, time.Now())
	require.NoError(t, err)
	require.Empty(t, res.Error)
	require.Equal(t, "yes", res.Verified)
	require.Len(t, res.Messages, 1)
}
