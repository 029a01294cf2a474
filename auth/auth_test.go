package auth_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
)

// load builds a template with the AuthMethod parameters and scenarios given.
func load(t *testing.T, authType, params string, scenarios ...string) *engine.Template {
	t.Helper()
	src := fmt.Sprintf(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="%s"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>%s
<Parameter Father="CustomFieldList" Name="user" Editor="string"/>
<Parameter Father="CustomFieldList" Name="pass" Editor="password"/>
</Parameters></Scenario>%s</Scenarios></Information>`, authType, params, strings.Join(scenarios, ""))
	tmpl, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	return tmpl
}

func creds(t *testing.T, a engine.Authorizer) engine.Credentials {
	t.Helper()
	c, err := a.Credentials(context.Background())
	require.NoError(t, err)
	return c
}

func TestBasic(t *testing.T) {
	tmpl := load(t, "basic", `<Parameter Name="Base64EncodedCredential" Value="{{.user}}:{{.pass}}"/>`)
	a, err := auth.New(tmpl, engine.Vars{"user": "ann", "pass": "s3cret!"}, auth.Options{})
	require.NoError(t, err)
	c := creds(t, a)
	encoded := base64.StdEncoding.EncodeToString([]byte("ann:s3cret!"))
	require.Equal(t, "Basic "+encoded, c.Header.Get("Authorization"))
	require.ElementsMatch(t, []string{"ann:s3cret!", encoded}, c.Secrets, "both forms are masked in traces")

	_, err = auth.New(tmpl, engine.Vars{}, auth.Options{})
	require.ErrorContains(t, err, "renders empty")
}

func TestBasicCredentialTypeDefaults(t *testing.T) {
	up := load(t, "basic", `<Parameter Name="CredentialType" Value="username_password"/>
<Parameter Father="CustomFieldList" Name="username" Editor="string"/><Parameter Father="CustomFieldList" Name="password" Editor="password"/>`)
	a, err := auth.New(up, engine.Vars{"username": "u", "password": "p"}, auth.Options{})
	require.NoError(t, err)
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("u:p")), creds(t, a).Header.Get("Authorization"))

	key := load(t, "basic", `<Parameter Name="CredentialType" Value="api_key"/><Parameter Father="CustomFieldList" Name="api_key" Editor="password"/>`)
	a, err = auth.New(key, engine.Vars{"api_key": "k-123"}, auth.Options{})
	require.NoError(t, err)
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("k-123")), creds(t, a).Header.Get("Authorization"))
}

func TestStaticTokensAndNone(t *testing.T) {
	zoho := load(t, "oauth2", `<Parameter Name="TokenType" Value="Zoho-oauthtoken"/>
<Parameter Name="AuthEndPoint" Value="https://x/auth"/><Parameter Name="TokenEndPoint" Value="https://x/token"/>`)
	a, err := auth.New(zoho, nil, auth.Options{Token: "tok-456"})
	require.NoError(t, err)
	c := creds(t, a)
	require.Equal(t, "Zoho-oauthtoken tok-456", c.Header.Get("Authorization"))
	require.Equal(t, "tok-456", c.Vars["AccessToken"])

	a, err = auth.New(load(t, "none", ""), nil, auth.Options{})
	require.NoError(t, err)
	require.Nil(t, a)
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Options that cannot work are refused by New with the field and the fix.
func TestOptionsValidate(t *testing.T) {
	tmpl := load(t, "basic", `<Parameter Name="Base64EncodedCredential" Value="{{.user}}:{{.pass}}"/>`)
	_, err := auth.New(tmpl, nil, auth.Options{RefreshBefore: -time.Second})
	require.EqualError(t, err, "auth: RefreshBefore -1s is negative; give a positive duration, or 0 for 1m0s")
}
