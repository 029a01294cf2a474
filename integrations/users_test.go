package integrations_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/store"
)

// usersTemplate is a basic-auth helpdesk whose UserAssociation reads
// {{.base}}/users in one page.
const usersTemplate = `<Information Provider="helpdesk" Name="Desk" Key="desk" AuthType="basic"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="AuthMethod" Value="basic"/><Parameter Name="CredentialType" Value="username_password"/>
  <Parameter Father="CustomFieldList" Name="base"/><Parameter Father="CustomFieldList" Name="username"/>
  <Parameter Father="CustomFieldList" Name="password" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="UserAssociation" Type="REST"><Requests>
  <Request Name="UserAssociation" Method="GET" URLFormat="{{.base}}/users"><Outputs>
    <Output Name="UserUniqueId" Path="users.#.id"/><Output Name="FirstName" Path="users.#.name"/><Output Name="Email" Path="users.#.email"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`

// usersDesk answers two users, or HTTP 500 while down.
func usersDesk(t *testing.T, down *atomic.Bool) *httptest.Server {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"maintenance"}`)
			return
		}
		fmt.Fprint(w, `{"users":[{"id":361,"name":"Dana","email":"DANA@acme.test"},{"id":362,"name":"Eli","email":"eli@acme.test"}]}`)
	}))
	t.Cleanup(api.Close)
	return api
}

func (f *fixture) users(t *testing.T) map[string][]string {
	t.Helper()
	list, err := f.st.ListUsers(t.Context(), "int_1")
	require.NoError(t, err)
	out := map[string][]string{}
	for _, u := range list {
		out[u.UserID] = u.Extensions
	}
	return out
}

// Users are synced from the helpdesk and bound to extensions by e-mail
// (ignoring case) or by hand; an extension belongs to one user only, and a
// new sync keeps the bindings of the users that remain.
func TestSyncUsersAndBindThem(t *testing.T) {
	var down atomic.Bool
	f := newFixture(t)
	f.template(t, usersTemplate)
	in := f.integration(t, usersDesk(t, &down).URL)
	for _, e := range []store.Extension{{Number: "1001", Email: "dana@acme.test"}, {Number: "1002", Email: "someone@else.test"}} {
		require.NoError(t, f.st.PutExtension(t.Context(), e))
	}

	users, pages, err := f.rt.SyncUsers(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, 1, pages)
	require.Len(t, users, 2)
	require.Equal(t, store.HelpdeskUser{IntegrationID: "int_1", UserID: "361", FirstName: "Dana", Email: "DANA@acme.test", Extensions: []string{}}, users[0])

	made, err := f.rt.Autobind(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, []integrations.Binding{{UserID: "361", Extension: "1001"}}, made)
	made, err = f.rt.Autobind(t.Context(), in)
	require.NoError(t, err)
	require.Empty(t, made, "a bound extension is not bound again")

	u, err := f.rt.BindUser(t.Context(), in, "362", []string{"1002"})
	require.NoError(t, err)
	require.Equal(t, []string{"1002"}, u.Extensions)
	var be *integrations.BindError
	_, err = f.rt.BindUser(t.Context(), in, "362", []string{"1001"})
	require.ErrorAs(t, err, &be)
	require.Equal(t, integrations.BindError{Problem: integrations.ExtensionTaken, UserID: "362", Extension: "1001", BoundTo: "361"}, *be)
	_, err = f.rt.BindUser(t.Context(), in, "362", []string{"9999"})
	require.ErrorAs(t, err, &be)
	require.Equal(t, integrations.UnknownExtension, be.Problem)
	require.Equal(t, "9999", be.Extension)
	_, err = f.rt.BindUser(t.Context(), in, "nobody", nil)
	require.ErrorAs(t, err, &be)
	require.Equal(t, integrations.UnknownUser, be.Problem)
	require.EqualError(t, err, "helpdesk user nobody not found (sync the users first)")
	require.Equal(t, map[string][]string{"361": {"1001"}, "362": {"1002"}}, f.users(t), "refused bindings change nothing")

	_, _, err = f.rt.SyncUsers(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"361": {"1001"}, "362": {"1002"}}, f.users(t), "a new sync keeps the bindings")

	// The helpdesk failing is a remote error with the trace; the users
	// stored stay.
	down.Store(true)
	_, _, err = f.rt.SyncUsers(t.Context(), in)
	var re *integrations.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "syncing users", re.Op)
	require.Contains(t, re.Error(), "HTTP 500")
	require.NotEmpty(t, re.Trace)
	require.NotContains(t, fmt.Sprint(re.Trace), "s3cret", "the trace is masked")
	require.Len(t, f.users(t), 2)
}

// A template without UserAssociation cannot sync, and says so without
// asking the helpdesk.
func TestSyncUsersNeedsUserAssociation(t *testing.T) {
	f := newFixture(t)
	f.template(t, deskTemplate(2))
	in := f.integration(t, "http://127.0.0.1:1")
	_, _, err := f.rt.SyncUsers(t.Context(), in)
	var ns *integrations.NoScenarioError
	require.ErrorAs(t, err, &ns)
	require.ErrorIs(t, err, engine.ErrNoScenario)
	require.EqualError(t, err, "the template has no UserAssociation scenario")
}
