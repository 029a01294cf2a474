package auth_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
)

func load(t *testing.T, authType, params string) *engine.Template {
	t.Helper()
	src := fmt.Sprintf(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="%s"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>%s
<Parameter Father="CustomFieldList" Name="user" Editor="string"/>
<Parameter Father="CustomFieldList" Name="pass" Editor="password"/>
</Parameters></Scenario></Scenarios></Information>`, authType, params)
	tmpl, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	return tmpl
}

func TestBasic(t *testing.T) {
	tmpl := load(t, "basic", `<Parameter Name="Base64EncodedCredential" Value="{{.user}}:{{.pass}}"/>`)
	a, err := auth.ForTemplate(tmpl, engine.Vars{"user": "ann", "pass": "s3cret!"}, "")
	require.NoError(t, err)
	cred, err := a.Credentials(context.Background())
	require.NoError(t, err)
	encoded := base64.StdEncoding.EncodeToString([]byte("ann:s3cret!"))
	require.Equal(t, "Basic "+encoded, cred.Header.Get("Authorization"))
	require.ElementsMatch(t, []string{"ann:s3cret!", encoded}, cred.Secrets, "both forms are masked in traces")

	_, err = auth.ForTemplate(tmpl, engine.Vars{}, "")
	require.NoError(t, err, `":" is not empty`)
	tmplEmpty := load(t, "basic", `<Parameter Name="Base64EncodedCredential" Value="{{.user}}"/>`)
	_, err = auth.ForTemplate(tmplEmpty, engine.Vars{}, "")
	require.ErrorContains(t, err, "renders empty")
}

func TestTokens(t *testing.T) {
	bearer := load(t, "bearertoken", `<Parameter Name="TokenEndPoint" Value="https://x/token"/>`)
	_, err := auth.ForTemplate(bearer, nil, "")
	require.ErrorIs(t, err, auth.ErrNeedToken)

	a, err := auth.ForTemplate(bearer, nil, "tok-123")
	require.NoError(t, err)
	cred, err := a.Credentials(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Bearer tok-123", cred.Header.Get("Authorization"))
	require.Equal(t, "tok-123", cred.Vars["AccessToken"])

	zoho := load(t, "oauth2", `<Parameter Name="TokenType" Value="Zoho-oauthtoken"/>
<Parameter Name="AuthEndPoint" Value="https://x/auth"/><Parameter Name="TokenEndPoint" Value="https://x/token"/>`)
	a, err = auth.ForTemplate(zoho, nil, "tok-456")
	require.NoError(t, err)
	cred, err = a.Credentials(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Zoho-oauthtoken tok-456", cred.Header.Get("Authorization"))

	none := load(t, "none", "")
	a, err = auth.ForTemplate(none, nil, "")
	require.NoError(t, err)
	require.Nil(t, a)
}
