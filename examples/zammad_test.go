package examples_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// zammadToken is an access token as Zammad hands them out.
const zammadToken = "pQLEz3cpWP5A7e_Ff4xqbXiRiACGSkS8yOKHlMJrKWLrX8"

// The answers of Zammad's API documentation: users are plain objects (with
// expand=true, association names such as "organization"), a search is a
// JSON array of them, a created ticket is the ticket object.
const (
	zammadMe = `{"id":3,"organization_id":2,"login":"bob@acme.test","firstname":"Bob","lastname":"Agent","email":"bob@acme.test",
		"phone":"","mobile":"","active":true,"note":"","role_ids":[1,2],"group_ids":{"1":["full"]},
		"updated_at":"2026-11-08T13:45:07.798Z","created_at":"2021-11-03T11:57:15.975Z"}`
	zammadFound = `[{"id":10,"organization_id":7,"login":"ann@acme.test","firstname":"Ann","lastname":"Lee","email":"ann@acme.test",
		"phone":"+14155550100","mobile":"+14155550102","note":"did order viennese melange","active":true,"vip":false,
		"organization":"Sample Corp.","roles":["Customer"],"role_ids":[3],"created_at":"2021-11-03T11:57:17.495Z"},
		{"id":11,"organization_id":null,"login":"","firstname":"Ann","lastname":"","email":"","phone":"+14155550100",
		"mobile":"","note":"","active":true,"roles":["Customer"],"role_ids":[3],"created_at":"2021-11-04T11:57:17.495Z"}]`
	zammadAgents = `[{"id":3,"firstname":"Bob","lastname":"Agent","email":"bob@acme.test","roles":["Admin","Agent"],"role_ids":[1,2]},
		{"id":4,"firstname":"Cy","lastname":"Support","email":"cy@acme.test","roles":["Agent"],"role_ids":[2]}]`
	zammadUser   = `{"id":9001,"firstname":"Ann","lastname":"Lee","phone":"+14155550100","role_ids":[3],"created_at":"2026-11-21T10:01:35.000Z"}`
	zammadTicket = `{"id":4711,"group_id":1,"priority_id":2,"state_id":1,"organization_id":null,"number":"22019","title":"call",
		"owner_id":3,"customer_id":10,"article_count":1,"created_at":"2026-11-21T10:01:35.913Z","article_ids":[30]}`
	zammadArticle = `{"id":31,"ticket_id":4711,"from":"Bob Agent","to":"","cc":"","subject":"call","body":"…","content_type":"text/plain",
		"type":"phone","internal":true,"created_at":"2026-11-21T10:01:36.011Z"}`
)

func zammadClient(t *testing.T, base string) *engine.Client {
	t.Helper()
	return client(t, "zammad.xml", engine.Vars{"base_url": base, "access_token": zammadToken, "ticket_group": "2nd Level"}, "")
}

// zammadHeaders holds every request to the token header and JSON.
var zammadHeaders = jsonAPI{want: map[string]string{"Authorization": "Token token=" + zammadToken, "Accept": "application/json"}}.check

// TestZammad drives the Zammad example through a call's life: the token's
// user, the caller's lookup by number, the agent's search, the agents, a
// customer, a ticket with its article and its note at hangup, and the call
// journal on the ticket.
func TestZammad(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v1/users/me":         {200, zammadMe},
		"GET /api/v1/users/search":     {200, zammadFound},
		"POST /api/v1/users":           {201, zammadUser},
		"POST /api/v1/tickets":         {201, zammadTicket},
		"POST /api/v1/ticket_articles": {201, zammadArticle},
	})
	c := zammadClient(t, hd.URL)

	t.Run("the token's user", func(t *testing.T) {
		res := run(t, c, "GetGlobalInfo", nil)
		require.Equal(t, "3", res.Vars["ApiUserId"])
		got := hd.takeOne(t, http.MethodGet, "/api/v1/users/me")
		zammadHeaders(t, got)
		require.Equal(t, "Token ****", res.Trace[0].RequestHeaders["Authorization"], "the token is masked in traces")
	})

	t.Run("lookup by number", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 2)
		row := contacts[0].Values
		require.Equal(t, "10", row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, "Sample Corp.", row["Company"], "expand=true names the organization")
		require.Equal(t, "did order viennese melange", row["Remark"])
		require.Equal(t, hd.URL+"/#user/profile/10", contacts[0].URL)
		require.Empty(t, contacts[1].Values["Company"], "a user without organization gets none, not the next one's")

		got := hd.takeOne(t, http.MethodGet, "/api/v1/users/search")
		require.Equal(t, "query=14155550100&limit=10&expand=true", got[0].Query, "the number's digits: + is an operator of the search syntax")
		require.Empty(t, got[0].Body)
		zammadHeaders(t, got)
	})

	t.Run("no number, no lookup", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = "anonymous"
		res := run(t, c, "SyncContactAuto", vars)
		require.Empty(t, res.Rows)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("agent's search", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, `Ann "the caller"`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 2)
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/api/v1/users/search", got[0].Path)
		require.Equal(t, "query=Ann%20%22the%20caller%22&limit=20&expand=true", got[0].Query)
		zammadHeaders(t, got)

		res = run(t, c, "SearchContact", engine.Vars{"SearchValue": "  "})
		require.True(t, res.Trace[0].Skipped, "an empty search is not sent")
		require.Empty(t, hd.take())
	})

	t.Run("customer creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "9001", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/api/v1/users")
		zammadHeaders(t, got)
		require.JSONEq(t, `{"firstname":"Ann","lastname":"Lee \"the caller\"","phone":"+14155550100"}`, got[0].Body,
			"names JSON-escaped; no roles (Zammad gives Customer); no email when none is known")

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "ann@acme.test"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"firstname":"Caller","lastname":"+14155550100","phone":"+14155550100","email":"ann@acme.test"}`,
			hd.take()[0].Body, "a caller without a name")
	})

	t.Run("ticket with its article, and its note", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "10"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "4711", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		zammadHeaders(t, got)

		const description = "Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"
		subject := "Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>"
		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/api/v1/tickets", got[0].Path)
		require.JSONEq(t, fmt.Sprintf(`{"title":%q,"group":"2nd Level","customer_id":10,"owner_id":361,
			"article":{"subject":%q,"body":%q,"content_type":"text/plain","type":"phone","sender":"Customer","internal":true}}`,
			subject, subject, description), got[0].Body)

		require.Equal(t, "/api/v1/ticket_articles", got[1].Path, "UpdateTicket: a note on the ticket just made")
		require.JSONEq(t, fmt.Sprintf(`{"ticket_id":4711,"subject":%q,"body":%q,"content_type":"text/plain","type":"note","internal":true}`,
			subject, description), got[1].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": "4711"})
		require.NoError(t, err)
		require.Equal(t, hd.URL+"/#ticket/zoom/4711", url)
	})

	t.Run("ticket of an outbound call, without an owner id", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"], vars["Communication_Type"] = "10", "bob@acme.test", "Outbound"
		run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
		body := hd.take()[0].Body
		require.False(t, gjson.Get(body, "owner_id").Exists(), "an owner id is a number")
		require.Equal(t, "Agent", gjson.Get(body, "article.sender").String())
	})

	t.Run("no customer, no ticket", func(t *testing.T) {
		res := run(t, c, "CreateNewTicket", callVars(), "CreateNewTicket")
		require.True(t, res.Trace[0].Skipped, "Zammad requires the customer")
		require.Empty(t, hd.take())
	})

	t.Run("journal on the ticket, and its skip without one", func(t *testing.T) {
		vars := callVars()
		vars["TicketId"] = "4711"
		run(t, c, "CallJournal", vars)
		got := hd.takeOne(t, http.MethodPost, "/api/v1/ticket_articles")
		zammadHeaders(t, got)
		require.JSONEq(t, `{"ticket_id":4711,"subject":"Inbound call Completed",
			"body":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30\nRecording: https://switchboard.test/recordings/tok123",
			"content_type":"text/plain","type":"phone","sender":"Customer","internal":true}`, got[0].Body)

		res := run(t, c, "CallJournal", callVars())
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take(), "no ticket: nothing is sent")
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["TicketId"] = "4711"
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1)
				body := got[0].Body
				require.True(t, json.Valid([]byte(body)), body)
				sender := map[string]string{"Inbound": "Customer", "Outbound": "Agent"}[call.vars["Communication_Type"]]
				require.Equal(t, sender, gjson.Get(body, "sender").String())
				require.Contains(t, gjson.Get(body, "body").String(), "Recording: "+call.vars["RecordPath"])
				require.NotContains(t, gjson.Get(body, "body").String(), " at \n", "a call without a start says no time rather than an empty one")
			})
		}
	})
}

// Zammad's agents come a page at a time (page, per_page); a page shorter
// than per_page is the last.
func TestZammadAgentsPageByPage(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path != "/api/v1/users/search" || r.Header.Get("Authorization") != "Token token="+zammadToken {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("page") {
		case "1":
			users := make([]string, 100)
			for i := range users {
				users[i] = fmt.Sprintf(`{"id":%d,"firstname":"Agent","lastname":"%d","email":"a%d@acme.test","role_ids":[2]}`, 100+i, i, i)
			}
			fmt.Fprint(w, "["+strings.Join(users, ",")+"]")
		case "2":
			fmt.Fprint(w, zammadAgents)
		default:
			fmt.Fprint(w, `[]`)
		}
	}))
	defer srv.Close()
	users, _, err := scenarios.SyncUsers(t.Context(), zammadClient(t, srv.URL), nil)
	require.NoError(t, err)
	require.Len(t, users, 102)
	require.Equal(t, scenarios.User{ID: "4", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"}, users[101])
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"query=%2A&permissions%5B%5D=ticket.agent&page=1&per_page=100",
		"query=%2A&permissions%5B%5D=ticket.agent&page=2&per_page=100",
	}, queries, "everyone (*) with the ticket.agent permission; the short second page is the last")
}
