package integrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// deskTemplate is a basic-auth helpdesk with a GetGlobalInfo and a
// lookup, allowing limit requests at once.
func deskTemplate(limit int) string {
	return deskXML(`AuthType="basic" MaxConcurrentRequest="`+strconv.Itoa(limit)+`"`,
		`<Parameter Name="AuthMethod" Value="basic"/><Parameter Name="CredentialType" Value="username_password"/>`)
}

// bearerDeskTemplate fetches a bearer token from {{.base}}/token.
var bearerDeskTemplate = deskXML(`AuthType="bearertoken"`, `<Parameter Name="TokenEndPoint" Value="{{.base}}/token"/>`)

// deskXML is the desk's template with the Information attributes and the
// authentication parameters given.
func deskXML(attrs, authParams string) string {
	return `<Information Provider="helpdesk" Name="Desk" Key="desk" ` + attrs + `><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  ` + authParams + `
  <Parameter Father="CustomFieldList" Name="base"/><Parameter Father="CustomFieldList" Name="username"/>
  <Parameter Father="CustomFieldList" Name="password" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="GetGlobalInfo" Type="REST"><Requests>
  <Request Name="me" Method="GET" URLFormat="{{.base}}/me"><Outputs><Output Name="Account" Path="account"/></Outputs></Request>
</Requests></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`
}

type fixture struct {
	st      store.Store
	rt      *integrations.Runtime
	waiting chan int // requests starting (+1) and stopping (-1) to wait for a slot
}

func newFixture(t *testing.T, mutate ...func(*integrations.Config)) *fixture {
	t.Helper()
	sealer, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	st, err := store.OpenSQLite(context.Background(), t.TempDir(), sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, waiting: make(chan int, 100)}
	cfg := integrations.Config{Store: st, TimeZone: time.UTC, Tuning: integrations.Tuning{Retry: engine.RetryPolicy{Max: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}},
		Observe: func(string) (func(engine.Observation), func(int)) {
			return func(engine.Observation) {}, func(d int) { f.waiting <- d }
		}}
	for _, m := range mutate {
		m(&cfg)
	}
	f.rt, err = integrations.New(cfg)
	require.NoError(t, err)
	return f
}

func (f *fixture) template(t *testing.T, xml string) *store.Template {
	t.Helper()
	now := time.Now()
	tpl := &store.Template{ID: "tpl_desk", Key: "desk", Name: "Desk", Provider: "helpdesk", Version: "1", XML: []byte(xml), CreatedAt: now, UpdatedAt: now}
	require.NoError(t, f.st.CreateTemplate(context.Background(), tpl, 10))
	return tpl
}

func (f *fixture) integration(t *testing.T, base string) *store.Integration {
	t.Helper()
	now := time.Now()
	in := &store.Integration{ID: "int_1", TemplateID: "tpl_desk", Status: store.StatusAuthorizing,
		Fields: map[string]string{"base": base, "username": "ann"}, Secrets: map[string]string{"password": "s3cret"},
		Settings: []byte("{}"), CreatedAt: now, UpdatedAt: now}
	require.NoError(t, f.st.CreateIntegration(context.Background(), in))
	return in
}

// Connect runs the connection check: GetGlobalInfo's outputs are kept and
// the integration is connected; a remote that refuses the credentials
// leaves it failed with the remote's answer, not an error of the caller.
func TestConnectChecksTheConnection(t *testing.T) {
	var refuse atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); refuse.Load() || u != "ann" || p != "s3cret" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"bad credentials"}`)
			return
		}
		fmt.Fprint(w, `{"account":"Acme"}`)
	}))
	t.Cleanup(api.Close)
	f := newFixture(t)
	f.template(t, deskTemplate(2))
	in := f.integration(t, api.URL)

	c, err := f.rt.Connect(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, store.StatusConnected, c.Integration.Status)
	require.Equal(t, "Acme", c.Integration.GlobalVars["Account"])
	require.False(t, c.Integration.ConnectedAt.IsZero())
	stored, err := f.st.GetIntegration(t.Context(), in.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusConnected, stored.Status)

	refuse.Store(true)
	c, err = f.rt.Connect(t.Context(), stored)
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, c.Integration.Status)
	require.Contains(t, c.Integration.StatusReason, "the connection check (GetGlobalInfo) failed")
	require.Contains(t, c.Integration.StatusReason, "401")

	_, err = f.rt.Authorize(t.Context(), stored, "code")
	require.ErrorIs(t, err, integrations.ErrNotOAuth2)
}

// A template may not reach the cloud metadata service: the check runs on
// the address dialled.
func TestLinkLocalAddressesAreRefused(t *testing.T) {
	f := newFixture(t)
	f.template(t, deskTemplate(2))
	in := f.integration(t, "http://169.254.169.254")
	c, err := f.rt.Connect(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, c.Integration.Status)
	require.Contains(t, c.Integration.StatusReason, "link-local or cloud metadata address")
}

// The connection of an integration is built once and rebuilt when what it
// is built from changes: its fields, or its template's XML. A replaced
// template is compiled again once forgotten or changed.
func TestConnectionsAreRebuiltWhenTheirSourceChanges(t *testing.T) {
	f := newFixture(t)
	tpl := f.template(t, deskTemplate(2))
	in := f.integration(t, "http://127.0.0.1:1")
	first, err := f.rt.Conn(t.Context(), in)
	require.NoError(t, err)
	again, err := f.rt.Conn(t.Context(), in)
	require.NoError(t, err)
	require.Same(t, first, again)

	in.Fields["username"] = "bob"
	changed, err := f.rt.Conn(t.Context(), in)
	require.NoError(t, err)
	require.NotSame(t, first, changed)
	require.Equal(t, "bob", changed.Client.Vars()["username"])

	compiled, err := f.rt.Compile(tpl)
	require.NoError(t, err)
	tpl.XML = []byte(strings.Replace(deskTemplate(3), `Name="Desk"`, `Name="Desk 2"`, 1))
	require.NoError(t, f.st.ReplaceTemplate(t.Context(), tpl))
	f.rt.ForgetTemplate(tpl.ID)
	recompiled, err := f.rt.Compile(tpl)
	require.NoError(t, err)
	require.NotSame(t, compiled, recompiled)
	rebuilt, err := f.rt.Conn(t.Context(), in)
	require.NoError(t, err)
	require.NotSame(t, changed, rebuilt)
	require.Equal(t, "Desk 2", rebuilt.Client.Template().Source.Name)
}

// A connection by integration id is reused while neither the integration
// nor its template changed in the store, and rebuilt as soon as either
// did, as another replica would see it (no ForgetTemplate here).
func TestConnByIDFollowsTheStore(t *testing.T) {
	f := newFixture(t)
	tpl := f.template(t, deskTemplate(2))
	in := f.integration(t, "http://127.0.0.1:1")
	first, got, err := f.rt.ConnByID(t.Context(), in.ID)
	require.NoError(t, err)
	require.Equal(t, in.ID, got.ID)
	again, _, err := f.rt.ConnByID(t.Context(), in.ID)
	require.NoError(t, err)
	require.Same(t, first, again)

	in.Fields["username"] = "bob"
	require.NoError(t, f.st.UpdateIntegration(t.Context(), in))
	changed, got, err := f.rt.ConnByID(t.Context(), in.ID)
	require.NoError(t, err)
	require.NotSame(t, first, changed)
	require.Equal(t, "bob", changed.Client.Vars()["username"])
	require.Equal(t, "bob", got.Fields["username"])

	tpl.XML = []byte(strings.Replace(deskTemplate(3), `Name="Desk"`, `Name="Desk 2"`, 1))
	require.NoError(t, f.st.ReplaceTemplate(t.Context(), tpl))
	rebuilt, _, err := f.rt.ConnByID(t.Context(), in.ID)
	require.NoError(t, err)
	require.Equal(t, "Desk 2", rebuilt.Client.Template().Source.Name)

	_, _, err = f.rt.ConnByID(t.Context(), "nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	// With the revisions read beside other reads (store.CallWork).
	revs, err := f.st.Revisions(t.Context(), in.ID)
	require.NoError(t, err)
	at, _, err := f.rt.ConnAt(t.Context(), in.ID, &revs)
	require.NoError(t, err)
	require.Same(t, rebuilt, at)
	_, _, err = f.rt.ConnAt(t.Context(), in.ID, nil)
	require.ErrorIs(t, err, store.ErrNotFound)
}

// Settings are checked against the template, and their texts compiled
// when they are saved: the connection carries them.
func TestSaveSettingsCompilesTheTexts(t *testing.T) {
	f := newFixture(t)
	f.template(t, deskTemplate(2))
	in := f.integration(t, "http://127.0.0.1:1")
	var st = mustSettings(t, `{"screenPop":{"trigger":"sometime"}}`)
	_, err := f.rt.SaveSettings(t.Context(), in, st)
	var se *integrations.SettingsError
	require.ErrorAs(t, err, &se)
	require.NotEmpty(t, se.Problems)

	st = mustSettings(t, `{"screenPop":{"trigger":"ringing"}}`)
	_, err = f.rt.SaveSettings(t.Context(), in, st)
	require.NoError(t, err)
	c, err := f.rt.Conn(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, "ringing", c.Settings.ScreenPop.Trigger)
	stored, err := f.st.GetIntegration(t.Context(), in.ID)
	require.NoError(t, err)
	require.JSONEq(t, `{"screenPop":{"trigger":"ringing"}}`, string(stored.Settings))
}

// One limiter holds an integration's MaxConcurrentRequest across its
// connections: a request of a rebuilt connection waits for the slot a
// request of the old one holds.
func TestOneLimiterAcrossConnections(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 2)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		fmt.Fprint(w, `{"data":[]}`)
	}))
	t.Cleanup(api.Close)
	f := newFixture(t)
	f.template(t, deskTemplate(1))
	in := f.integration(t, api.URL)
	old, err := f.rt.Client(t.Context(), in)
	require.NoError(t, err)
	done := make(chan *engine.Result, 2)
	go func() { done <- old.Run(context.Background(), "SyncContactAuto", nil, engine.RunOptions{}) }()
	<-arrived

	in.Fields["username"] = "bob"
	rebuilt, err := f.rt.Client(t.Context(), in)
	require.NoError(t, err)
	require.NotSame(t, old, rebuilt)
	go func() { done <- rebuilt.Run(context.Background(), "SyncContactAuto", nil, engine.RunOptions{}) }()
	require.Equal(t, 1, <-f.waiting, "the second request waits for the slot the first holds")
	close(release)
	for range 2 {
		res := <-done
		require.NoError(t, res.Err)
	}
}

// Calls failing on authentication three times in a row mark a connected
// integration failed; one call that gets an answer connects it again (a
// call's work reads the integration when it begins: a step of a connected
// one writes nothing).
func TestCallsFailingOnAuthenticationMarkItFailed(t *testing.T) {
	f := newFixture(t)
	f.template(t, deskTemplate(2))
	in := f.integration(t, "http://127.0.0.1:1")
	in.Status, in.ConnectedAt = store.StatusConnected, time.Now()
	require.NoError(t, f.st.UpdateIntegration(t.Context(), in))
	refused := &engine.HTTPStatusError{Status: 401, Body: "bad token"}
	status := func() string {
		got, err := f.st.GetIntegration(t.Context(), in.ID)
		require.NoError(t, err)
		return got.Status
	}
	for range 2 {
		f.rt.Observe(t.Context(), in, nil, refused)
	}
	require.Equal(t, store.StatusConnected, status(), "two refusals can be a hiccup")
	f.rt.Observe(t.Context(), in, nil, refused)
	require.Equal(t, store.StatusFailed, status())
	// The next call's work reads the integration as failed.
	in, err := f.st.GetIntegration(t.Context(), in.ID)
	require.NoError(t, err)
	f.rt.Observe(t.Context(), in, &engine.Result{Trace: []engine.Exchange{{Status: 200}}}, nil)
	require.Equal(t, store.StatusConnected, status())
}

// Bad configuration is refused with the field, the rule and the fix.
func TestConfigValidate(t *testing.T) {
	_, err := integrations.New(integrations.Config{})
	require.ErrorContains(t, err, "Config.Store is required")
	sealer, _ := store.NewSealer([]byte("k"))
	st, err := store.OpenSQLite(t.Context(), t.TempDir(), sealer)
	require.NoError(t, err)
	defer st.Close()
	_, err = integrations.New(integrations.Config{Store: st, Tuning: integrations.Tuning{RequestTimeout: -time.Second}})
	require.ErrorContains(t, err, "RequestTimeout -1s is negative; give a positive duration, or 0 for 30s")
	_, err = integrations.New(integrations.Config{Store: st, PublicURL: "switchboard.example.com"})
	require.ErrorContains(t, err, `PublicURL "switchboard.example.com" is not an absolute http(s) URL`)
}

func mustSettings(t *testing.T, raw string) scenarios.Settings {
	t.Helper()
	var st scenarios.Settings
	require.NoError(t, json.Unmarshal([]byte(raw), &st))
	return st
}
