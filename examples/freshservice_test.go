package examples_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// freshserviceKey is an agent's API key as Freshservice shows them.
const freshserviceKey = "sFkT9n2XbQ7wLmP4aR8c"

// The answers of Freshservice's API reference (api.freshservice.com): a
// list under its plural ("requesters", "agents"), one object under its
// singular ("requester", "ticket", "conversation" for a note), numeric
// ids, null for blank fields.
const (
	freshserviceRequesters = `{"requesters":[{"active":true,"address":null,"background_information":null,
		"can_see_all_tickets_from_associated_departments":false,"created_at":"2026-06-15T09:48:03Z","custom_fields":{},
		"department_ids":[],"department_names":null,"external_id":null,"first_name":"Ann","has_logged_in":false,
		"id":21000418006,"is_agent":false,"job_title":"Office manager","language":"en","last_name":"Lee","location_id":null,
		"location_name":null,"mobile_phone_number":"+14155550102","primary_email":"ann@acme.test","reporting_manager_id":null,
		"secondary_emails":[],"time_format":"12h","time_zone":"Eastern Time (US & Canada)","updated_at":"2026-06-15T09:48:03Z",
		"vip_user":false,"work_phone_number":"+14155550100"}]}`
	freshserviceAgents = `{"agents":[
		{"active":true,"email":"bob@acme.test","first_name":"Bob","last_name":"Agent","id":21000084102,"job_title":null,
		 "mobile_phone_number":null,"work_phone_number":"1001","occasional":false,"created_at":"2026-01-10T08:30:15Z","updated_at":"2026-01-10T08:30:15Z"},
		{"active":true,"email":"cy@acme.test","first_name":"Cy","last_name":"Support","id":21000084103,"job_title":null,
		 "mobile_phone_number":null,"work_phone_number":"1002","occasional":false,"created_at":"2026-01-10T08:30:15Z","updated_at":"2026-01-10T08:30:15Z"}]}`
	freshserviceRequesterMade = `{"requester":{"active":true,"first_name":"Ann","last_name":"Lee \"the caller\"","id":21000418100,
		"primary_email":null,"work_phone_number":"+14155550100","mobile_phone_number":null,"created_at":"2026-11-21T10:00:01Z"}}`
	freshserviceTicketMade = `{"ticket":{"id":1234,"subject":"Inbound call","description":"<div>…</div>","description_text":"…",
		"requester_id":21000418006,"responder_id":21000084102,"status":2,"priority":1,"source":3,"workspace_id":2,
		"created_at":"2026-11-21T10:00:01Z","updated_at":"2026-11-21T10:00:01Z"}}`
	freshserviceNoteMade = `{"conversation":{"id":21000095671,"body":"<div>…</div>","body_text":"…","incoming":false,"private":true,
		"user_id":21000084102,"ticket_id":1234,"created_at":"2026-11-21T10:01:36Z"}}`
)

func freshserviceClient(t *testing.T, hd *helpdesk, fields engine.Vars) *engine.Client {
	t.Helper()
	return client(t, "freshservice.xml", withFields(engine.Vars{"base_url": hd.URL, "api_key": freshserviceKey}, fields), "")
}

// freshserviceQuery is the filter query of a request, unquoted: the
// reference wants it in double quotes.
func freshserviceQuery(t *testing.T, r received) string {
	t.Helper()
	q := queryValue(t, r.Query, "query")
	require.Regexp(t, `^".*"$`, q, "the query is in double quotes")
	return q[1 : len(q)-1]
}

// TestFreshservice drives the Freshservice example through a call's life:
// the connection check, the caller's lookup by number, the agent's search,
// the agents, a requester, a ticket with its note at hangup, and the call
// journal on the ticket.
func TestFreshservice(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v2/agents":                {200, freshserviceAgents},
		"GET /api/v2/requesters":            {200, freshserviceRequesters},
		"POST /api/v2/requesters":           {201, freshserviceRequesterMade},
		"POST /api/v2/tickets":              {201, freshserviceTicketMade},
		"POST /api/v2/tickets/1234/notes":   {201, freshserviceNoteMade},
		"POST /api/v2/tickets/4711/notes":   {201, freshserviceNoteMade},
		"POST /api/v2/tickets/999999/notes": {201, freshserviceNoteMade},
	})
	c := freshserviceClient(t, hd, nil)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(freshserviceKey+":X"))
	// The API key as user, X as password.
	requireHeaders := jsonAPI{want: map[string]string{"Authorization": basic, "Accept": "application/json"}}.check

	t.Run("connection check", func(t *testing.T) {
		res := run(t, c, "GetGlobalInfo", nil)
		got := hd.takeOne(t, http.MethodGet, "/api/v2/agents")
		require.Equal(t, "per_page=1", got[0].Query)
		requireHeaders(t, got)
		require.Equal(t, "Basic ****", res.Trace[0].RequestHeaders["Authorization"], "the key is masked in traces")
	})

	t.Run("lookup by work or mobile phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, "21000418006", row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, "Office manager", row["Remark"])
		require.Equal(t, hd.URL+"/itil/requesters/21000418006", contacts[0].URL)

		got := hd.takeOne(t, http.MethodGet, "/api/v2/requesters")
		requireHeaders(t, got)
		require.Equal(t, "work_phone_number:'+14155550100' OR mobile_phone_number:'+14155550100'", freshserviceQuery(t, got[0]),
			"the number as the PBX gives it (E.164)")
		require.Contains(t, got[0].Query, "query=%22work_phone_number%3A%27%2B14155550100%27", "URL-encoded, + as %2B")
	})

	t.Run("no number, no lookup; quotes cannot end the value", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = ""
		res := run(t, c, "SyncContactAuto", vars)
		require.Empty(t, res.Rows)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())

		vars["Phone"] = `+1415'555"0100`
		run(t, c, "SyncContactAuto", vars)
		require.Equal(t, "work_phone_number:'+14155550100' OR mobile_phone_number:'+14155550100'", freshserviceQuery(t, hd.take()[0]))
	})

	t.Run("agent's search", func(t *testing.T) {
		for _, tc := range []struct{ typed, query string }{
			{`Ann "the caller"`, `~[first_name|last_name]:'Ann the caller'`},
			{`O'Neil`, `~[first_name|last_name]:'O\'Neil'`},
			{`ann@acme.test`, `primary_email:'ann@acme.test'`},
			{`+1 (415) 555-0100`, `work_phone_number:'+1 (415) 555-0100' OR mobile_phone_number:'+1 (415) 555-0100'`},
		} {
			contacts, res := scenarios.SearchContacts(t.Context(), c, tc.typed, callVars(), nil)
			require.NoError(t, res.Err)
			require.Len(t, contacts, 1)
			require.Equal(t, "21000418006", contacts[0].Values["ContactsId"])
			require.Equal(t, "ann@acme.test", contacts[0].Values["Email"])
			got := hd.take()
			require.Len(t, got, 1)
			require.Equal(t, "/api/v2/requesters", got[0].Path)
			requireHeaders(t, got)
			require.Equal(t, tc.query, freshserviceQuery(t, got[0]), tc.typed)
		}
	})

	t.Run("agents", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: "21000084102", FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
			{ID: "21000084103", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"},
		}, users)
		got := hd.take()
		require.Len(t, got, 1, "fewer than 100 agents: one page")
		require.Equal(t, "/api/v2/agents", got[0].Path)
		require.Equal(t, "active=true&per_page=100&page=1", got[0].Query)
		require.Empty(t, got[0].Body)
		requireHeaders(t, got)
	})

	t.Run("requester creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "21000418100", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/api/v2/requesters")
		requireHeaders(t, got)
		require.JSONEq(t, `{"first_name":"Ann","last_name":"Lee \"the caller\"","work_phone_number":"+14155550100"}`, got[0].Body)

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "dana@example.com"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"first_name":"Caller","last_name":"+14155550100","work_phone_number":"+14155550100",
			"primary_email":"dana@example.com"}`, hd.take()[0].Body, "a caller without a name")

		vars = callVars()
		vars["FirstName"], vars["LastName"] = "", `Lee "the caller"`
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"first_name":"Lee \"the caller\"","work_phone_number":"+14155550100"}`, hd.take()[0].Body,
			"one name: first_name is the mandatory one")
	})

	t.Run("ticket for a known requester, and its note", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "21000418006", "21000084102"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "1234", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireHeaders(t, got)
		require.Equal(t, "/api/v2/tickets", got[0].Path)
		require.JSONEq(t, `{"subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
			"description":"Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30",
			"requester_id":21000418006,"responder_id":21000084102,"status":2,"priority":1,"source":3}`, got[0].Body,
			"ids as numbers, the description as HTML")
		require.Equal(t, "/api/v2/tickets/1234/notes", got[1].Path, "UpdateTicket: a private note on the ticket just made")
		require.JSONEq(t, `{"body":"Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30",
			"private":true}`, got[1].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": "1234"})
		require.NoError(t, err)
		require.Equal(t, hd.URL+"/helpdesk/tickets/1234", url)
	})

	t.Run("ticket for an unknown caller, in a workspace", func(t *testing.T) {
		c2 := freshserviceClient(t, hd, engine.Vars{"workspace_id": "2"})
		vars := callVars()
		vars["ContactId"], vars["CrmId"], vars["CallerName"] = "", "bob@acme.test", `Ann "the caller"`
		run(t, c2, "CreateNewTicket", vars, "CreateNewTicket")
		body := hd.take()[0].Body
		require.True(t, json.Valid([]byte(body)), body)
		require.False(t, gjson.Get(body, "requester_id").Exists())
		require.Equal(t, "+14155550100", gjson.Get(body, "phone").String(), "phone and name make the requester")
		require.Equal(t, `Ann "the caller"`, gjson.Get(body, "name").String())
		require.False(t, gjson.Get(body, "responder_id").Exists(), "an agent id is a number")
		require.EqualValues(t, 2, gjson.Get(body, "workspace_id").Int())
	})

	t.Run("call journal on the ticket", func(t *testing.T) {
		vars := callVars()
		vars["TicketId"] = "4711"
		run(t, c, "CallJournal", vars)
		got := hd.takeOne(t, http.MethodPost, "/api/v2/tickets/4711/notes")
		requireHeaders(t, got)
		require.JSONEq(t, `{"body":"<b>Inbound call Completed</b><br>Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30<br><a href=\"https://switchboard.test/recordings/tok123\">Call recording</a>",
			"private":true}`, got[0].Body)
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["TicketId"] = "999999"
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1)
				require.Equal(t, "/api/v2/tickets/999999/notes", got[0].Path)
				body := gjson.Get(got[0].Body, "body").String()
				require.Contains(t, body, "<b>"+call.vars["Communication_Type"]+" call ")
				require.Contains(t, body, `<a href="`+call.vars["RecordPath"]+`">`)
				require.NotContains(t, body, `"The Countess"`, "the caller's name is HTML-escaped")
			})
		}
	})

	t.Run("no ticket, no journal", func(t *testing.T) {
		res := run(t, c, "CallJournal", callVars())
		require.Empty(t, hd.take(), "Freshservice has no call object: without a ticket nothing is logged")
		require.True(t, res.Trace[0].Skipped)
	})
}

// Freshservice's agents come 100 a page; a full page asks for the next.
func TestFreshserviceAgentsPageByPage(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path != "/api/v2/agents" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		n := 100
		if r.URL.Query().Get("page") == "2" {
			n = 1
		}
		agents := make([]map[string]any, n)
		for i := range agents {
			id := 21000084000 + i
			if n == 1 {
				id = 21000085000
			}
			agents[i] = map[string]any{"id": id, "first_name": "Agent", "last_name": fmt.Sprint(i), "email": fmt.Sprintf("a%d@acme.test", id), "active": true}
		}
		require.NoError(t, json.NewEncoder(w).Encode(map[string]any{"agents": agents}))
	}))
	defer srv.Close()
	c := client(t, "freshservice.xml", engine.Vars{"base_url": srv.URL, "api_key": freshserviceKey}, "")
	users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
	require.NoError(t, err)
	require.Len(t, users, 101)
	require.Equal(t, "21000085000", users[100].ID)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"active=true&per_page=100&page=1", "active=true&per_page=100&page=2"}, queries)
}
