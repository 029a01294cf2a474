package scenarios_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

func client(t *testing.T, authAndScenarios string, fields engine.Vars) *engine.Client {
	t.Helper()
	src := `<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters><Parameter Father="CustomFieldList" Name="base"/></Parameters></Scenario>` + authAndScenarios + `</Scenarios></Information>`
	tmpl, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
	require.False(t, problems.HasErrors(), "%v", problems)
	return engine.NewClient(tmpl, engine.ClientConfig{Vars: fields})
}

const contactOutputs = `<Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="BusinessNumber" Path="data.#.phone"/>`

func contactsServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":[{"id":"c1","name":"Ann","phone":"+1","link":"https://desk.test/c/c1"},{"id":"c2","name":"Bo","phone":"+1","link":"https://desk.test/c/c2"}],"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLookupContactsWithURLFormat(t *testing.T) {
	srv := contactsServer(t)
	c := client(t, `<Scenario Id="SyncContactAuto" Type="REST"><Parameters>
  <Parameter Name="ContactUrlType" Value="specify_url_format"/>
  <Parameter Name="URLFormat" Value="{{.base}}/agent/{{.ContactSyncType}}/{{.ContactId}}?from={{UrlEncode .Phone}}"/>
</Parameters><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts?q={{.Phone}}"><Outputs>`+contactOutputs+`</Outputs></Request>
  <Request Name="leads" Method="GET" URLFormat="{{.base}}/leads?q={{.Phone}}"><Outputs>`+contactOutputs+`</Outputs></Request>
</Requests></Scenario>`, engine.Vars{"base": srv.URL})
	contacts, res := scenarios.LookupContacts(context.Background(), c, engine.Vars{"Phone": "+1"}, []string{"leads"})
	require.NoError(t, res.Err)
	require.Len(t, contacts, 2)
	require.Equal(t, "leads", contacts[0].Type)
	require.Equal(t, srv.URL+"/agent/leads/c1?from=%2B1", contacts[0].URL)
	require.Len(t, res.Trace, 1, "only the selected contact type is asked")

	contacts, _ = scenarios.LookupContacts(context.Background(), c, engine.Vars{"Phone": "+1"}, nil)
	require.Len(t, contacts, 4, "all types when none is selected")
}

func TestLookupContactsRetrieveFromContact(t *testing.T) {
	srv := contactsServer(t)
	c := client(t, `<Scenario Id="SyncContactAuto" Type="REST"><Parameters>
  <Parameter Name="ContactUrlType" Value="retrieve_from_contact"/>
  <Parameter Name="ContactFieldForUri" Value=".data.#.link"/>
</Parameters><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts"><Outputs>`+contactOutputs+`</Outputs></Request>
</Requests></Scenario>
<Scenario Id="SearchContact" Type="REST"><Requests>
  <Request Name="SearchContact_contacts" Method="GET" URLFormat="{{.base}}/search?q={{UrlEncode .SearchValue}}"><Outputs>`+contactOutputs+`</Outputs></Request>
</Requests></Scenario>`, engine.Vars{"base": srv.URL})
	contacts, res := scenarios.LookupContacts(context.Background(), c, engine.Vars{"Phone": "+1"}, nil)
	require.NoError(t, res.Err)
	require.Equal(t, "https://desk.test/c/c2", contacts[1].URL)
	require.NotContains(t, contacts[1].Values, "__ContactUrl", "the helper output is not a contact value")

	contacts, res = scenarios.SearchContacts(context.Background(), c, "Ann Lee", nil, []string{"contacts"})
	require.NoError(t, res.Err)
	require.Len(t, contacts, 2)
	require.Equal(t, "contacts", contacts[0].Type)
	require.Equal(t, "https://desk.test/c/c1", contacts[0].URL)
	require.Contains(t, res.Trace[0].URL, "q=Ann%20Lee")
}

func TestSyncUsersPages(t *testing.T) {
	const total = 5
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		start := 0
		switch {
		case q.Get("page") != "":
			p, _ := strconv.Atoi(q.Get("page"))
			start = (p - 1) * 2
		case q.Get("cursor") != "":
			start, _ = strconv.Atoi(q.Get("cursor"))
		}
		fmt.Fprint(w, `{"users":[`)
		end := min(start+2, total)
		for i := start; i < end; i++ {
			if i > start {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":"u%d","first":"F%d","email":"u%d@x.test"}`, i, i, i)
		}
		next := ""
		if end < total {
			next = strconv.Itoa(end)
		}
		fmt.Fprintf(w, `],"next":%q}`, next)
	}))
	t.Cleanup(srv.Close)
	outputs := `<Outputs><Output Name="UserUniqueId" Path="users.#.id"/><Output Name="FirstName" Path="users.#.first"/><Output Name="Email" Path="users.#.email"/></Outputs>`
	for name, params := range map[string]string{
		"page":   `<Parameter Name="Pagination" Value="page"/><Parameter Name="PageSize" Value="2"/>`,
		"cursor": `<Parameter Name="Pagination" Value="cursor"/><Parameter Name="NextCursorPath" Value="next"/>`,
	} {
		t.Run(name, func(t *testing.T) {
			url := "{{.base}}/users?page={{.Page}}&amp;size={{.PageSize}}"
			if name == "cursor" {
				url = "{{.base}}/users?cursor={{.Cursor}}"
			}
			c := client(t, `<Scenario Id="UserAssociation" Type="REST"><Parameters>`+params+`</Parameters><Requests>
<Request Name="UserAssociation" Method="GET" URLFormat="`+url+`">`+outputs+`</Request></Requests></Scenario>`, engine.Vars{"base": srv.URL})
			users, results, err := scenarios.SyncUsers(context.Background(), c, nil)
			require.NoError(t, err)
			require.Len(t, results, 3, "pages of 2, 2 and 1")
			require.Len(t, users, total)
			require.Equal(t, scenarios.User{ID: "u4", FirstName: "F4", Email: "u4@x.test"}, users[4])
		})
	}
	t.Run("no pagination: one request", func(t *testing.T) {
		c := client(t, `<Scenario Id="UserAssociation" Type="REST"><Requests>
<Request Name="UserAssociation" Method="GET" URLFormat="{{.base}}/users">`+outputs+`</Request></Requests></Scenario>`, engine.Vars{"base": srv.URL})
		users, results, err := scenarios.SyncUsers(context.Background(), c, nil)
		require.NoError(t, err)
		require.Len(t, results, 1)
		require.Len(t, users, 2)
	})
}
