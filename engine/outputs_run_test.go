package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// A lookup whose first contacts lack fields the later ones have: each row
// keeps its own contact's values — the template's outputs and the caller's
// extra ones (the screen-pop URL) — and Next fills each row's gaps from
// that row's own contact.
func TestRunRowsKeepEachContactsFields(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/users/"); ok {
			fmt.Fprintf(w, `{"user":{"name":"Name of %s"}}`, id)
			return
		}
		fmt.Fprint(w, `{"users":[{"id":1,"phone":"+100"},{"id":2,"name":"Bo","url":"https://desk/2"},{"id":3,"phone":"+300","url":"https://desk/3"}]}`)
	})
	et := tmpl(t, "", "", `<Scenario Id="SyncContactAuto" Type="REST"><Requests>
<Request Name="contacts" Method="GET" URLFormat="`+srv.URL+`/search">
<Outputs Next="GetUser">
  <Output Name="ContactsId" Path="users.#.id"/>
  <Output Name="FirstName" Path="users.#.name"/>
  <Output Name="BusinessNumber" Path="users.#.phone"/>
</Outputs></Request></Requests></Scenario>
<Scenario Id="Common" Type="REST"><Requests>
<Request Name="GetUser" Method="GET" URLFormat="`+srv.URL+`/users/{{.ContactsId}}">
<Outputs><Output Name="FirstName" Path="user.name"/></Outputs></Request></Requests></Scenario>`)
	res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "SyncContactAuto", nil,
		engine.RunOptions{ExtraOutputs: []engine.Output{{Name: "ContactUrl", Path: "users.#.url"}}})
	require.NoError(t, res.Err)
	require.Equal(t, []engine.Row{
		{Request: "contacts", Values: map[string]string{"ContactsId": "1", "FirstName": "Name of 1", "BusinessNumber": "+100", "ContactUrl": ""}},
		{Request: "contacts", Values: map[string]string{"ContactsId": "2", "FirstName": "Bo", "BusinessNumber": "", "ContactUrl": "https://desk/2"}},
		{Request: "contacts", Values: map[string]string{"ContactsId": "3", "FirstName": "Name of 3", "BusinessNumber": "+300", "ContactUrl": "https://desk/3"}},
	}, res.Rows)
}
