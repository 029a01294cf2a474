package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// lookupRows is the part of `template run --json` a lookup adds to.
type lookupRows struct {
	Rows []struct {
		Request    string            `json:"request"`
		Values     map[string]string `json:"values"`
		ContactURL *string           `json:"contactUrl"`
	} `json:"rows"`
	Vars  map[string]string `json:"vars"`
	Error string            `json:"error"`
}

// recorder is a helpdesk that answers through h and keeps "METHOD path" of
// every request.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rc *recorder) serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.seen = append(rc.seen, r.Method+" "+r.URL.Path)
		rc.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (rc *recorder) take() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.seen
	rc.seen = nil
	return out
}

// specify_url_format: the URLFormat of SyncContactAuto rendered for each
// contact, as the screen pop of the service opens it; for both lookups.
func TestRunLookupPrintsContactURL(t *testing.T) {
	var rc recorder
	srv := rc.serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/search.json":
			fmt.Fprint(w, `{"results":[{"id":17,"name":"Ann","phone":"+14155550100"},{"id":18,"name":"Bo","phone":"+14155550100"}]}`)
		case "/api/v2/users/search.json":
			fmt.Fprint(w, `{"users":[{"id":21,"name":"Ann Lee"}]}`)
		default:
			fmt.Fprint(w, `{"identities":[]}`)
		}
	})
	args := []string{"template", "run", "../../examples/zendesk.xml",
		"--field", "base_url=" + srv.URL, "--field", "email=agent@acme.test", "--field", "api_token=cli-secret-token"}

	code, out, errOut := run(append(args, "--scenario", "SyncContactAuto", "--var", "Phone=+14155550100", "--json")...)
	require.Equal(t, cli.ExitOK, code, errOut)
	var res lookupRows
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.Len(t, res.Rows, 2)
	for i, id := range []string{"17", "18"} {
		require.Equal(t, id, res.Rows[i].Values["ContactsId"])
		require.NotNil(t, res.Rows[i].ContactURL, "row %d", i)
		require.Equal(t, srv.URL+"/agent/users/"+id, *res.Rows[i].ContactURL)
	}

	code, out, _ = run(append(args, "--scenario", "SyncContactAuto", "--var", "Phone=+14155550100")...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "  1. contacts: BusinessNumber=+14155550100 ContactsId=17 FirstName=Ann\n     contact URL: "+srv.URL+"/agent/users/17\n")
	require.Contains(t, out, "     contact URL: "+srv.URL+"/agent/users/18\n")

	code, out, errOut = run(append(args, "--scenario", "SearchContact", "--var", "SearchValue=Ann", "--request", "SearchContact_contacts", "--json")...)
	require.Equal(t, cli.ExitOK, code, errOut)
	res = lookupRows{}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.Len(t, res.Rows, 1)
	require.Equal(t, "SearchContact_contacts", res.Rows[0].Request)
	require.NotNil(t, res.Rows[0].ContactURL)
	require.Equal(t, srv.URL+"/agent/users/21", *res.Rows[0].ContactURL)
}

// retrieve_from_contact: the URL is the ContactFieldForUri value of the
// contact in the answer, and the hidden output that carries it is not
// shown as a value. Each contact gets its own element's URL, whichever of
// them lacks the field: with the first one lacking it, GJSON's "#." array
// alone would give the first contact the second one's URL.
func TestRunLookupContactURLFromAnswer(t *testing.T) {
	const ann = `{"id":"c-1","name":"Ann","phone":"+14155550100","webUrl":"https://desk.test/#Contacts/dv/abc"}`
	const bo = `{"id":"c-2","name":"Bo","phone":"+14155550100"}`
	const annNoURL = `{"id":"c-1","name":"Ann","phone":"+14155550100"}`
	const boURL = `{"id":"c-2","name":"Bo","phone":"+14155550100","webUrl":"https://desk.test/#Contacts/dv/bo"}`
	for _, tc := range []struct {
		name string
		data string
		urls []string // per row; "" is no URL
	}{
		{"second lacks the URL", "[" + ann + "," + bo + "]", []string{"https://desk.test/#Contacts/dv/abc", ""}},
		{"first lacks the URL", "[" + annNoURL + "," + boURL + "]", []string{"", "https://desk.test/#Contacts/dv/bo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rc recorder
			srv := rc.serve(t, func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintf(w, `{"data":%s}`, tc.data)
			})
			file := filepath.Join(t.TempDir(), "desk.xml")
			require.NoError(t, os.WriteFile(file, []byte(deskWithURLField), 0o644))
			for _, sc := range [][]string{{"--scenario", "SyncContactAuto", "--var", "Phone=+14155550100"}, {"--scenario", "SearchContact", "--var", "SearchValue=Ann"}} {
				code, out, errOut := run(append([]string{"template", "run", file, "--field", "base=" + srv.URL, "--json"}, sc...)...)
				require.Equal(t, cli.ExitOK, code, errOut)
				var res lookupRows
				require.NoError(t, json.Unmarshal([]byte(out), &res), out)
				require.Len(t, res.Rows, 2, sc[1])
				for i, want := range tc.urls {
					if want == "" {
						require.Nil(t, res.Rows[i].ContactURL, "%s row %d: a contact without the field has no URL", sc[1], i)
						continue
					}
					require.NotNil(t, res.Rows[i].ContactURL, "%s row %d", sc[1], i)
					require.Equal(t, want, *res.Rows[i].ContactURL, "%s row %d", sc[1], i)
				}
				require.NotContains(t, out, "__ContactUrl", sc[1])
				require.Equal(t, map[string]string{"ContactsId": "c-1", "FirstName": "Ann", "BusinessNumber": "+14155550100"}, res.Rows[0].Values)
				require.Equal(t, map[string]string{"ContactsId": "c-2", "FirstName": "Bo", "BusinessNumber": "+14155550100"}, res.Rows[1].Values)
			}
		})
	}
}

// deskWithURLField is a helpdesk whose lookups take the screen-pop URL
// from each contact's webUrl.
const deskWithURLField = `<Information Provider="helpdesk" Name="Desk" Key="desk" AuthType="none">
<Scenarios>
  <Scenario Id="AuthMethod" Type="AUTH"><Parameters><Parameter Father="CustomFieldList" Name="base" Editor="string"/></Parameters></Scenario>
  <Scenario Id="SyncContactAuto" Type="REST">
    <Parameters>
      <Parameter Name="ContactUrlType" Value="retrieve_from_contact"/>
      <Parameter Name="ContactFieldForUri" Value="data.#.webUrl"/>
    </Parameters>
    <Requests>
      <Request Name="contacts" Method="GET" URLFormat="{{.base}}/contacts?phone={{UrlEncode .Phone}}">
        <Outputs><Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="BusinessNumber" Path="data.#.phone"/></Outputs>
      </Request>
    </Requests>
  </Scenario>
  <Scenario Id="SearchContact" Type="REST">
    <Requests>
      <Request Name="SearchContact_contacts" Method="GET" URLFormat="{{.base}}/contacts?q={{UrlEncode .SearchValue}}">
        <Outputs><Output Name="ContactsId" Path="data.#.id"/><Output Name="FirstName" Path="data.#.name"/><Output Name="BusinessNumber" Path="data.#.phone"/></Outputs>
      </Request>
    </Requests>
  </Scenario>
</Scenarios></Information>`

// CreateNewTicket opens the ticket and nothing else, as the service does;
// UpdateTicket runs when asked for.
func TestRunCreateTicketLeavesUpdateTicketOut(t *testing.T) {
	var rc recorder
	srv := rc.serve(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"ticket":{"id":4711}}`) })
	args := []string{"template", "run", "../../examples/zendesk.xml", "--scenario", "CreateNewTicket",
		"--field", "base_url=" + srv.URL, "--field", "email=agent@acme.test", "--field", "api_token=cli-secret-token",
		"--var", "Communication_Type=Inbound"}

	code, out, _ := run(args...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, []string{"POST /api/v2/tickets.json"}, rc.take())
	require.NotContains(t, out, "UpdateTicket")

	code, out, _ = run(append(args, "--request", "UpdateTicket", "--var", "TicketId=4711")...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, []string{"PUT /api/v2/tickets/4711.json"}, rc.take())

	code, out, _ = run(append(args, "--request", "CreateNewTicket", "--request", "UpdateTicket")...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, []string{"POST /api/v2/tickets.json", "PUT /api/v2/tickets/4711.json"}, rc.take(), "UpdateTicket uses the new TicketId")
	require.True(t, strings.Contains(out, "UpdateTicket PUT"), out)
}
