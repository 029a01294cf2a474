package templates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Every kind of literal secret an author can write into a template is left
// out of the download, which still loads (parse, validate, compile) without
// errors. Literal secrets in values that are templates become references to
// new password fields while the template has room for them (webhook and
// Basic secrets first, since validation needs them); the rest are removed.
func TestDownloadLeavesOutEverySecret(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		edits   [][2]string // old → new, each must apply
		secrets []string
		check   func(t *testing.T, dl *templates.Template)
	}{
		{
			name: "WhatsApp channel: webhook secret, verify token, bearer header, query and JSON pairs",
			file: "../examples/whatsapp_cloud.xml",
			edits: [][2]string{
				{`Name="Secret" Value="{{.app_secret}}"`, `Name="Secret" Value="whatsapp-app-secret-1"`},
				{`Value="Bearer {{.access_token}}"`, `Value="Bearer EAAG-access-literal-3"`},
				{`{{$g}}/{{.NumberId}}/messages'>`, `{{$g}}/{{.NumberId}}/messages?access_token=EAAG-query-literal-4&amp;to={{.To}}'>`},
				{`"messaging_product":"whatsapp",`, `"messaging_product":"whatsapp","api_key":"json-literal-key-5",`},
				{`Name="app_secret" Title`, `Name="app_secret" Value="field-default-6" Title`},
				{`Remark="WhatsApp through`, `Remark="Key whatsapp-app-secret-1. WhatsApp through`},
			},
			secrets: []string{"whatsapp-app-secret-1", "EAAG-access-literal-3", "EAAG-query-literal-4", "json-literal-key-5", "field-default-6"},
			check: func(t *testing.T, dl *templates.Template) {
				auth := dl.Scenario(templates.ScenarioAuth)
				webhook := map[string]string{}
				for _, p := range auth.ParamsByFather(templates.FatherWebhook) {
					webhook[p.Name] = p.Value
				}
				// Verification still needs its secret: the importer is asked for it.
				require.Equal(t, "{{.webhook_secret}}", webhook["Secret"])
				require.Equal(t, "{{.VerifyToken}}", webhook["ChallengeToken"], "a template value stays")
				require.Equal(t, "hub.verify_token", webhook["ChallengeTokenParam"], "names of secrets are not secrets")
				require.Equal(t, "X-Hub-Signature-256", webhook["SignatureHeader"])
				require.Equal(t, []string{"access_token", "app_secret", "graph_url", "graph_version", "webhook_secret"}, fieldNames(dl))
				for _, f := range dl.CustomFields()[4:] {
					require.True(t, f.IsSecret())
				}
				// No room for a sixth field: the header's value is removed.
				require.Empty(t, dl.Headers()[0].Value)
				send := dl.Scenario(templates.ScenarioSendMessage).Requests[0]
				require.True(t, strings.HasSuffix(send.URLFormat, "{{$g}}/{{.NumberId}}/messages?access_token=&to={{.To}}"), send.URLFormat)
				require.Contains(t, send.Body().Value, `"messaging_product":"whatsapp","api_key":"","recipient_type":"individual","to":"{{trimPrefix "+" .To}}"`)
				require.Equal(t, "https://graph.facebook.com", dl.CustomFields()[2].Value, "a plain field's default stays")
				require.Contains(t, dl.Root.AttrValue("Remark"), "Key . WhatsApp through", "a removed secret is cut from elsewhere too")
			},
		},
		{
			name: "Zoho Desk oauth2 with every field slot taken: client secret, URL pairs, field default, scenario setting, headers",
			file: "../examples/zohodesk.xml",
			edits: [][2]string{
				{`<Parameter Name="AuthMethod" Value="oauth2"/>`, `<Parameter Name="AuthMethod" Value="oauth2"/><Parameter Name="ClientSecret" Value="zoho-client-secret-7"/>`},
				{`client_secret={{.client_secret}}"`, `client_secret=zoho-url-secret-8"`},
				{`Name="client_secret" Editor="password"`, `Name="client_secret" Value="zoho-field-default-9" Editor="password"`},
				{`_all={{UrlEncode .Phone}}&amp;limit=10"`, `_all={{UrlEncode .Phone}}&amp;limit=10&amp;hapikey=hub-key-10"`},
				{`<Parameter Name="ContactUrlType" Value="specify_url_format"/>`, `<Parameter Name="ContactUrlType" Value="specify_url_format"/><Parameter Father="CustomScenarioParameter" Name="api_key" Value="scenario-key-11"/>`},
				{`<Parameter Father="PopulateTemplateString" Name="Accept"`, `<Parameter Father="PopulateTemplateString" Name="X-Api-Key-Id" Type="Header" Value="header-literal-12"/><Parameter Father="PopulateTemplateString" Name="X-Custom" Type="Header" Value="Basic em9obzpzZWNyZXQ="/><Parameter Father="PopulateTemplateString" Name="Accept"`},
				{`access_type=offline&amp;prompt=consent`, `access_type=offline&amp;prompt=consent&amp;token_type_hint=access_token`},
				{`Remark="Zoho Desk (API v1).`, `Remark="Zoho Desk (API v1), client secret zoho-client-secret-7.`},
			},
			secrets: []string{"zoho-client-secret-7", "zoho-url-secret-8", "zoho-field-default-9", "hub-key-10", "scenario-key-11", "header-literal-12", "em9obzpzZWNyZXQ="},
			check: func(t *testing.T, dl *templates.Template) {
				require.Len(t, dl.CustomFields(), 5, "the five fields oauth2 allows, none added")
				require.Nil(t, dl.Scenario(templates.ScenarioAuth).Param("ClientSecret").Node.El.SelectAttr("Value"))
				require.Equal(t, "{{.accounts_url}}/oauth/v2/token?client_id={{.client_id}}&client_secret=", dl.AuthParam("TokenEndPoint"))
				require.Equal(t, "{{.accounts_url}}/oauth/v2/auth?client_id={{.client_id}}&response_type=code", dl.AuthParam("AuthEndPoint"))
				require.Equal(t, "access_type=offline&prompt=consent&token_type_hint=access_token", dl.AuthParam("AdditionalQueryString"),
					"a pair whose name only mentions a token is kept")
				require.Equal(t, "{{.base_url}}/api/v1/contacts/search?_all={{UrlEncode .Phone}}&limit=10&hapikey=",
					dl.Scenario(templates.ScenarioSyncContact).Requests[0].URLFormat)
				headers := map[string]string{}
				for _, h := range dl.Headers() {
					headers[h.Name] = h.Value
				}
				require.Equal(t, map[string]string{"orgId": "{{.org_id}}", "X-Api-Key-Id": "", "X-Custom": "",
					"Accept": "application/json", "Content-Type": "application/json"}, headers)
				require.Equal(t, "", dl.Scenario(templates.ScenarioSyncContact).ParamsByFather(templates.FatherScenarioSetting)[0].Value)
			},
		},
		{
			name: "Zendesk basic: a literal Basic credential and Authorization header",
			file: "../examples/zendesk.xml",
			edits: [][2]string{
				{`Value="{{.email}}/token:{{.api_token}}"`, `Value="agent@example.com/token:zd-literal-13"`},
				{`<Parameter Father="PopulateTemplateString" Name="Accept"`, `<Parameter Father="PopulateTemplateString" Name="Authorization" Type="Header" Value="Basic YWdlbnQ6emQtMTQ="/><Parameter Father="PopulateTemplateString" Name="Accept"`},
			},
			secrets: []string{"zd-literal-13", "YWdlbnQ6emQtMTQ="},
			check: func(t *testing.T, dl *templates.Template) {
				require.Equal(t, "{{.base64_encoded_credential}}", dl.AuthParam("Base64EncodedCredential"))
				require.Equal(t, "{{.authorization}}", dl.Headers()[0].Value)
				require.Equal(t, []string{"base_url", "email", "api_token", "base64_encoded_credential", "authorization"}, fieldNames(dl))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := string(read(t, tt.file))
			for _, e := range tt.edits {
				require.Contains(t, src, e[0], "the edit must apply")
				src = strings.Replace(src, e[0], e[1], 1)
			}
			_, problems := engine.Load(tt.file, []byte(src), engine.Options{Location: time.UTC})
			require.False(t, problems.HasErrors(), "the template with secrets loads: %v", problems.Errors())
			tmpl, problems := templates.Parse(tt.file, []byte(src))
			require.Empty(t, problems)

			dl := tmpl.Download()
			for _, secret := range tt.secrets {
				require.Contains(t, src, secret)
				require.False(t, strings.Contains(string(dl), secret), "the download still holds %q", secret)
			}
			_, problems = engine.Load("download.xml", dl, engine.Options{Location: time.UTC})
			require.False(t, problems.HasErrors(), "the download loads: %v\n%s", problems.Errors(), dl)
			require.Contains(t, string(dl), "<!-- Downloaded without its secrets. Left out:")
			parsed, problems := templates.Parse("download.xml", dl)
			require.Empty(t, problems)
			tt.check(t, parsed)
			require.Contains(t, string(tmpl.Bytes()), tt.secrets[0], "the template itself is untouched")
		})
	}
}

// A template without literal secrets downloads as it is written.
func TestDownloadWithoutSecretsIsUnchanged(t *testing.T) {
	for _, file := range []string{"../examples/whatsapp_cloud.xml", "../examples/zohodesk.xml", "../examples/zendesk.xml", "testdata/valid/lovable-helpdesk.xml"} {
		t.Run(file, func(t *testing.T) {
			tmpl, problems := templates.Parse(file, read(t, file))
			require.Empty(t, problems)
			require.Equal(t, string(tmpl.Bytes()), string(tmpl.Download()))
		})
	}
}

func fieldNames(t *templates.Template) []string {
	var out []string
	for _, f := range t.CustomFields() {
		out = append(out, f.Name)
	}
	return out
}
