package scenarios_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// retrieve_from_contact: each contact gets the URL of its own element in
// the answer, whichever contacts lack the field; a contact without it has
// no URL rather than the next one's.
func TestLookupContactsURLOfEachContact(t *testing.T) {
	for name, tc := range map[string]struct {
		data string
		want []scenarios.Contact
	}{
		"first lacks the URL": {
			data: `[{"id":"c1","name":"Ann","phone":"+1"},{"id":"c2","name":"Bo","phone":"+1","link":"https://desk.test/c/c2"}]`,
			want: []scenarios.Contact{
				{Type: "contacts", Values: map[string]string{"ContactsId": "c1", "FirstName": "Ann", "BusinessNumber": "+1"}, URL: ""},
				{Type: "contacts", Values: map[string]string{"ContactsId": "c2", "FirstName": "Bo", "BusinessNumber": "+1"}, URL: "https://desk.test/c/c2"},
			},
		},
		"second lacks the URL": {
			data: `[{"id":"c1","name":"Ann","phone":"+1","link":"https://desk.test/c/c1"},{"id":"c2","name":"Bo","phone":"+1"}]`,
			want: []scenarios.Contact{
				{Type: "contacts", Values: map[string]string{"ContactsId": "c1", "FirstName": "Ann", "BusinessNumber": "+1"}, URL: "https://desk.test/c/c1"},
				{Type: "contacts", Values: map[string]string{"ContactsId": "c2", "FirstName": "Bo", "BusinessNumber": "+1"}, URL: ""},
			},
		},
		"middle lacks the URL and a name": {
			data: `[{"id":"c1","name":"Ann","link":"u1"},{"id":"c2","phone":"+2"},{"id":"c3","name":"Cy","link":"u3"}]`,
			want: []scenarios.Contact{
				{Type: "contacts", Values: map[string]string{"ContactsId": "c1", "FirstName": "Ann", "BusinessNumber": ""}, URL: "u1"},
				{Type: "contacts", Values: map[string]string{"ContactsId": "c2", "FirstName": "", "BusinessNumber": "+2"}, URL: ""},
				{Type: "contacts", Values: map[string]string{"ContactsId": "c3", "FirstName": "Cy", "BusinessNumber": ""}, URL: "u3"},
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintf(w, `{"data":%s}`, tc.data)
			}))
			t.Cleanup(srv.Close)
			c := client(t, `<Scenario Id="SyncContactAuto" Type="REST"><Parameters>
  <Parameter Name="ContactUrlType" Value="retrieve_from_contact"/>
  <Parameter Name="ContactFieldForUri" Value=".data.#.link"/>
</Parameters><Requests>
  <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts"><Outputs>`+contactOutputs+`</Outputs></Request>
</Requests></Scenario>`, engine.Vars{"base": srv.URL})
			contacts, res := scenarios.LookupContacts(context.Background(), c, engine.Vars{"Phone": "+1"}, nil)
			require.NoError(t, res.Err)
			require.Equal(t, tc.want, contacts)
		})
	}
}
