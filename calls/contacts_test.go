package calls_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// storeCall stores a call on extension 1001 without working it, so nothing
// but the test changes its links.
func (f *fixture) storeCall(t *testing.T, id string) {
	t.Helper()
	_, err := f.st.UpdateCall(context.Background(), id, func([]byte) ([]byte, error) {
		return json.Marshal(scenarios.Call{ID: id, Extension: "1001", Direction: "inbound", External: scenarios.Party{Number: "+15550001"}})
	})
	require.NoError(t, err)
}

func (f *fixture) integration(t *testing.T) *store.Integration {
	t.Helper()
	in, err := f.st.GetIntegration(context.Background(), f.integ)
	require.NoError(t, err)
	return in
}

// A contact created by hand becomes its call's contact, marked created,
// and joins the local group under its number; the template's only
// contact type is taken when none is given.
func TestCreateContactJoinsTheCallAndTheGroup(t *testing.T) {
	f := newFixture(t, true)
	f.storeCall(t, "c9")
	in := f.integration(t)

	c, err := f.svc.CreateContact(t.Context(), in, calls.NewContact{FirstName: "Cy", LastName: "New", Number: "+1 555-0001", CallID: "c9"})
	require.NoError(t, err)
	require.Equal(t, "9001", c.ID)
	require.Equal(t, "contacts", c.Type)
	require.Equal(t, f.desk.URL+"/agent/users/9001", c.URL, "the page the template's URLFormat gives")
	require.Equal(t, "9001", c.Outputs["ContactId"])
	f.desk.mu.Lock()
	body := f.desk.bodies["POST /api/v2/users.json"][0]
	f.desk.mu.Unlock()
	require.Contains(t, body, `"name":"Cy New"`)

	links, err := f.st.CallLinks(t.Context(), "c9")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ContactId": "9001", "ContactSyncType": "contacts", "ContactCreated": "1",
		"ContactUrl": f.desk.URL + "/agent/users/9001", "FirstName": "Cy", "LastName": "New"}, links[f.integ])

	group, err := f.svc.ContactGroup(t.Context(), f.integ, "(155) 50001")
	require.NoError(t, err)
	require.Len(t, group, 1)
	require.Equal(t, "contacts", group[0].Type)
	require.Equal(t, map[string]string{"ContactsId": "9001", "FirstName": "Cy", "LastName": "New", "BusinessNumber": "+1 555-0001"}, group[0].Values)
	none, err := f.svc.ContactGroup(t.Context(), f.integ, "+1 999")
	require.NoError(t, err)
	require.Equal(t, []scenarios.Contact{}, none)
	var bad *calls.InvalidError
	_, err = f.svc.ContactGroup(t.Context(), f.integ, "no digits")
	require.ErrorAs(t, err, &bad)
}

// Bad input and unknown calls are refused before anything reaches the
// helpdesk.
func TestCreateContactRefusals(t *testing.T) {
	f := newFixture(t, true)
	in := f.integration(t)
	var bad *calls.InvalidError
	_, err := f.svc.CreateContact(t.Context(), in, calls.NewContact{FirstName: "Cy"})
	require.ErrorAs(t, err, &bad)
	require.Equal(t, "number is required", bad.Message)
	_, err = f.svc.CreateContact(t.Context(), in, calls.NewContact{ContactType: "leads", Number: "+15550001"})
	require.ErrorAs(t, err, &bad)
	require.Equal(t, `contactType "leads" is not one the template creates (contacts)`, bad.Message)
	_, err = f.svc.CreateContact(t.Context(), in, calls.NewContact{Number: "+15550001", CallID: "no-such-call"})
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Zero(t, f.desk.count("POST /api/v2/users.json"))
}

// twoTypes is a helpdesk with contacts and leads, looked up by number and
// searched by text, each type at its own path.
const twoTypes = `<Information Provider="helpdesk" Name="Two" Key="two" AuthType="basic"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters>
  <Parameter Name="AuthMethod" Value="basic"/><Parameter Name="CredentialType" Value="username_password"/>
  <Parameter Father="CustomFieldList" Name="base_url"/><Parameter Father="CustomFieldList" Name="username"/>
  <Parameter Father="CustomFieldList" Name="password" Editor="password"/>
</Parameters></Scenario>
<Scenario Id="SyncContactAuto" Type="REST"><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base_url}}/contacts"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
  <Request Name="leads" Method="GET" URLFormat="{{.base_url}}/leads"><Outputs>
    <Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="MobileNumber" Path="data.#.phone"/>
  </Outputs></Request>
</Requests></Scenario>
</Scenarios></Information>`

// A number is looked up in the contact types the settings select; text
// needs SearchContact, which this template has not; and an integration not
// connected is not searched.
func TestSearchContactsUsesTheSettingsContactTypes(t *testing.T) {
	f := newFixture(t, false)
	now := f.integration(t).CreatedAt
	require.NoError(t, f.st.CreateTemplate(t.Context(), &store.Template{ID: "tpl_two", Key: "two", Name: "Two", Provider: "helpdesk",
		Version: "1", XML: []byte(twoTypes), CreatedAt: now, UpdatedAt: now}, 10))
	in := &store.Integration{ID: "int_2", TemplateID: "tpl_two", Status: store.StatusConnected,
		Fields: map[string]string{"base_url": f.desk.URL, "username": "dana"}, Secrets: map[string]string{"password": "tok"},
		Settings: []byte(`{"contactSync":{"enabled":true,"contactTypes":["leads"]}}`), CreatedAt: now, UpdatedAt: now, ConnectedAt: now}
	require.NoError(t, f.st.CreateIntegration(t.Context(), in))

	found, err := f.svc.SearchContacts(t.Context(), in, "+1 (415) 555-0100")
	require.NoError(t, err)
	require.Equal(t, "number", found.By)
	require.Len(t, found.Contacts, 1)
	require.Equal(t, "leads", found.Contacts[0].Type)
	require.Equal(t, "L1", found.Contacts[0].Values["ContactsId"])
	require.Equal(t, 1, f.desk.count("GET /leads"), "the leads, as the settings say")
	require.Zero(t, f.desk.count("GET /contacts"), "not the contacts")

	// Settings selecting the contacts: the desk has no such path, and the
	// search fails with the trace.
	in.Settings = []byte(`{"contactSync":{"enabled":true,"contactTypes":["contacts"]}}`)
	_, err = f.svc.SearchContacts(t.Context(), in, "+1 (415) 555-0100")
	var re *integrations.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "the helpdesk search", re.Op)
	require.Contains(t, re.Error(), "the helpdesk search failed: ")
	require.NotEmpty(t, re.Trace)
	require.Equal(t, 1, f.desk.count("GET /contacts"))

	_, err = f.svc.SearchContacts(t.Context(), in, "Ann")
	var ns *integrations.NoScenarioError
	require.ErrorAs(t, err, &ns)
	require.EqualError(t, err, "the template has no SearchContact scenario")

	in.Status, in.StatusReason = store.StatusFailed, "bad credentials"
	_, err = f.svc.SearchContacts(t.Context(), in, "+14155550100")
	var nc *integrations.NotConnectedError
	require.ErrorAs(t, err, &nc)
	require.EqualError(t, err, "the integration is failed: bad credentials")
	require.Equal(t, []int{1, 1}, []int{f.desk.count("GET /leads"), f.desk.count("GET /contacts")}, "a failed integration is not asked")
}

// A number is searched through the lookup, with the trace of what was
// asked, masked; a blank query is refused.
func TestSearchContactsByNumber(t *testing.T) {
	f := newFixture(t, false)
	in := f.integration(t)
	found, err := f.svc.SearchContacts(t.Context(), in, " +1 (415) 555-0100 ")
	require.NoError(t, err)
	require.Equal(t, "number", found.By)
	require.Len(t, found.Contacts, 1)
	require.Equal(t, "17", found.Contacts[0].Values["ContactsId"])
	require.NotEmpty(t, found.Trace)
	require.NotContains(t, string(mustJSON(t, found.Trace)), "tok-secret")

	_, err = f.svc.SearchContacts(t.Context(), in, "  ")
	var bad *calls.InvalidError
	require.ErrorAs(t, err, &bad)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// The calls list: an admin sees every call, an agent only their own
// extension's, whatever extension they ask for; each call carries the
// contact it was given and its steps counted by status.
func TestListCallsAgentSeesOwnExtension(t *testing.T) {
	f := newFixture(t, true)
	f.storeCall(t, "c1")
	_, err := f.st.UpdateCall(t.Context(), "c2", func([]byte) ([]byte, error) {
		return json.Marshal(scenarios.Call{ID: "c2", Extension: "1002", State: "ringing", External: scenarios.Party{Number: "+15550002"}})
	})
	require.NoError(t, err)
	_, err = f.svc.CreateContact(t.Context(), f.integration(t), calls.NewContact{FirstName: "Cy", Number: "+15550001", CallID: "c1"})
	require.NoError(t, err)

	ids := func(v calls.Viewer, fl store.CallFilter) []string {
		t.Helper()
		list, err := f.svc.ListCalls(t.Context(), v, fl)
		require.NoError(t, err)
		out := []string{}
		for _, c := range list {
			out = append(out, c.Call.ID)
		}
		return out
	}
	admin := calls.Viewer{Admin: true}
	require.Equal(t, []string{"c2", "c1"}, ids(admin, store.CallFilter{}))
	require.Equal(t, []string{"c2"}, ids(admin, store.CallFilter{Extension: "1002"}))
	agent := calls.Viewer{Extension: "1001"}
	require.Equal(t, []string{"c1"}, ids(agent, store.CallFilter{}))
	require.Equal(t, []string{"c1"}, ids(agent, store.CallFilter{Extension: "1002"}), "an agent's list stays their own")
	require.Equal(t, []string{}, ids(calls.Viewer{}, store.CallFilter{}), "an agent with no extension sees none")

	list, err := f.svc.ListCalls(t.Context(), agent, store.CallFilter{})
	require.NoError(t, err)
	require.Equal(t, &calls.FoundContact{IntegrationID: f.integ, ID: "9001", Name: "Cy", URL: f.desk.URL + "/agent/users/9001"}, list[0].Contact)

	_, err = f.svc.ListCalls(t.Context(), admin, store.CallFilter{State: "gone"})
	var invalid *calls.InvalidError
	require.ErrorAs(t, err, &invalid)
}
