package examples_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// pipedriveToken is a personal API token as Pipedrive shows them (40 hex
// digits, the example of its authentication guide).
const pipedriveToken = "659c9fddb16335e48cc67114694b52074e812e03"

// The answers of Pipedrive's API reference: every answer is wrapped in
// {"success":true,"data":…}; a v2 search gives data.items[].item with phones
// and emails as lists of strings; v1 users carry active_flag.
const (
	pipedriveMe = `{"success":true,"data":{"id":361,"name":"Bob Agent","default_currency":"USD","locale":"en_US","lang":1,
		"email":"bob@acme.test","phone":null,"activated":true,"last_login":"2026-11-20 08:00:00","created":"2024-05-01 09:12:33",
		"modified":"2026-11-18 16:01:45","has_created_company":true,"active_flag":true,"timezone_name":"Europe/Tallinn",
		"timezone_offset":"+02:00","role_id":1,"icon_url":null,"is_you":true,"company_id":5081,"company_name":"Acme",
		"company_domain":"acme","company_country":"US","language":{"language_code":"en","country_code":"US"}}}`
	pipedriveFound = `{"success":true,"data":{"items":[{"result_score":0.5092,"item":{"id":512,"type":"person","name":"Ann Lee",
		"phones":["+14155550100","+14155550102"],"emails":["ann@acme.test"],"visible_to":3,"owner":{"id":361},
		"organization":{"id":14,"name":"Acme Corp","address":null},"custom_fields":[],"notes":[]}},
		{"result_score":0.31,"item":{"id":513,"type":"person","name":"Ann Lee (old)","phones":["+14155550100"],"emails":[],
		"visible_to":3,"owner":{"id":361},"organization":null,"custom_fields":[],"notes":[]}}]},
		"additional_data":{"next_cursor":null}}`
	pipedriveUsers = `{"success":true,"data":[
		{"id":361,"name":"Bob Agent","email":"bob@acme.test","active_flag":true,"is_admin":1,"role_id":1},
		{"id":362,"name":"Cy Gone","email":"cy@acme.test","active_flag":false,"is_admin":0,"role_id":1},
		{"id":363,"name":"Dee Support","email":"dee@acme.test","active_flag":true,"is_admin":0,"role_id":1}]}`
)

func pipedriveCreated(id int, extra string) reply {
	return reply{201, fmt.Sprintf(`{"success":true,"data":{"id":%d,%s"add_time":"2026-11-21T10:01:35Z"}}`, id, extra)}
}

// pipedriveClient connects the example to the local Pipedrive as the
// service does: the fields, then what GetGlobalInfo read.
func pipedriveClient(t *testing.T, hd *helpdesk) *engine.Client {
	t.Helper()
	return connected(t, "pipedrive.xml", engine.Vars{"base_url": hd.URL, "api_token": pipedriveToken})
}

// pipedriveHeaders holds every request to the token header and JSON.
func pipedriveHeaders(t *testing.T, got []received) {
	t.Helper()
	for _, r := range got {
		require.Empty(t, r.Header.Get("Authorization"), "an API token goes in x-api-token, never as a Bearer")
		require.NotContains(t, r.Query, "api_token", "v2 takes no token in the query")
	}
	jsonAPI{want: map[string]string{"x-api-token": pipedriveToken, "Accept": "application/json"}}.check(t, got)
}

// TestPipedrive drives the Pipedrive example through a call's life: the
// company, the caller's lookup by number, the agent's search, the users, a
// person, a deal with its notes, and the call as an activity.
func TestPipedrive(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v1/users/me":       {200, pipedriveMe},
		"GET /api/v2/persons/search": {200, pipedriveFound},
		"GET /api/v1/users":          {200, pipedriveUsers},
		"POST /api/v2/persons":       pipedriveCreated(9001, `"name":"Ann Lee",`),
		"POST /api/v2/deals":         pipedriveCreated(4711, `"title":"call",`),
		"POST /api/v1/notes":         pipedriveCreated(6001, `"content":"note",`),
		"POST /api/v2/activities":    pipedriveCreated(7001, `"type":"call",`),
	})
	c := pipedriveClient(t, hd)

	t.Run("current user and company", func(t *testing.T) {
		got := hd.takeOne(t, http.MethodGet, "/api/v1/users/me") // GetGlobalInfo, once
		require.Empty(t, got[0].Query)
		pipedriveHeaders(t, got)
		require.Equal(t, "acme", c.Vars()["CompanyDomain"])
		require.Equal(t, "361", c.Vars()["ApiUserId"])
	})

	t.Run("lookup by phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 2)
		row := contacts[0].Values
		require.Equal(t, "512", row["ContactsId"])
		require.Equal(t, "Ann Lee", row["FirstName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["BusinessNumber2"])
		require.Equal(t, "Acme Corp", row["Company"])
		require.Equal(t, "https://acme.pipedrive.com/person/512", contacts[0].URL, "the person's page on the company's domain")
		second := contacts[1].Values
		require.Equal(t, "513", second["ContactsId"])
		require.Empty(t, second["Email"], "a person without email gets none, not the next one's")
		require.Empty(t, second["BusinessNumber2"])
		require.Empty(t, second["Company"])

		got := hd.takeOne(t, http.MethodGet, "/api/v2/persons/search")
		require.Equal(t, "term=%2B14155550100&fields=phone&limit=10", got[0].Query, "the number as the PBX gives it, URL-encoded, in phones only")
		require.Empty(t, got[0].Body)
		pipedriveHeaders(t, got)
		require.Equal(t, "****", res.Trace[0].RequestHeaders["X-Api-Token"], "the token is masked in traces")
	})

	t.Run("no number, no lookup", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = ""
		res := run(t, c, "SyncContactAuto", vars)
		require.Empty(t, res.Rows)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("agent's search", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, ` Ann "the caller" `, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 2)
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/api/v2/persons/search", got[0].Path)
		require.Equal(t, "term=Ann%20%22the%20caller%22&limit=20", got[0].Query, "every field, trimmed and URL-encoded")
		pipedriveHeaders(t, got)

		res = run(t, c, "SearchContact", engine.Vars{"SearchValue": "A"})
		require.True(t, res.Trace[0].Skipped, "Pipedrive wants two characters at least")
		require.Empty(t, hd.take())
	})

	t.Run("users", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: "361", FirstName: "Bob Agent", Email: "bob@acme.test"},
			{ID: "363", FirstName: "Dee Support", Email: "dee@acme.test"},
		}, users, "active users only")
		got := hd.takeOne(t, http.MethodGet, "/api/v1/users") // all users in one answer
		require.Empty(t, got[0].Query)
		pipedriveHeaders(t, got)
	})

	t.Run("person creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "9001", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/api/v2/persons")
		pipedriveHeaders(t, got)
		require.JSONEq(t, `{"name":"Ann Lee \"the caller\"","phones":[{"value":"+14155550100","primary":true,"label":"work"}],"owner_id":361}`,
			got[0].Body, "the name JSON-escaped; no emails when none is known; the owner id a number")

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"], vars["CrmId"] = "", "", "ann@acme.test", "bob@acme.test"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"name":"Caller +14155550100","phones":[{"value":"+14155550100","primary":true,"label":"work"}],
			"emails":[{"value":"ann@acme.test","primary":true,"label":"work"}]}`, hd.take()[0].Body, "a caller without a name; an owner that is not an id")
	})

	t.Run("deal with its description", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "512"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "4711", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 3, "the deal, its note (Next), and UpdateTicket's note")
		pipedriveHeaders(t, got)

		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/api/v2/deals", got[0].Path)
		require.JSONEq(t, `{"title":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>","person_id":512,"owner_id":361}`, got[0].Body,
			"ids are numbers: v2 does not coerce strings")

		const note = "Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30"
		require.Equal(t, "/api/v1/notes", got[1].Path)
		require.JSONEq(t, `{"content":"`+note+`","deal_id":4711,"person_id":512}`, got[1].Body, "the description as HTML, on the deal")
		require.Equal(t, "/api/v1/notes", got[2].Path)
		require.JSONEq(t, `{"content":"`+note+`","deal_id":4711}`, got[2].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": "4711"})
		require.NoError(t, err)
		require.Equal(t, "https://acme.pipedrive.com/deal/4711", url)
	})

	t.Run("deal without a known person or owner", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "", "bob@acme.test"
		run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
		got := hd.take()
		require.Len(t, got, 2, "the deal and its note")
		require.JSONEq(t, `{"title":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>"}`, got[0].Body)
		require.False(t, gjson.Get(got[1].Body, "person_id").Exists())
	})

	t.Run("call activity on the person and the deal", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["TicketId"] = "512", "4711"
		res := run(t, c, "CallJournal", vars)
		require.Len(t, res.Trace, 1)
		got := hd.takeOne(t, http.MethodPost, "/api/v2/activities")
		pipedriveHeaders(t, got)
		require.JSONEq(t, `{"subject":"Inbound call Completed","type":"call","done":true,
			"due_date":"2026-11-21","due_time":"10:00","duration":"00:02",
			"note":"Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30<br><a href=\"https://switchboard.test/recordings/tok123\">Recording</a>",
			"owner_id":361,"participants":[{"person_id":512,"primary":true}],"deal_id":4711}`, got[0].Body,
			"talk time 90 s is 00:02, rounded up to the minute")
	})

	t.Run("call activity without ids or recording", func(t *testing.T) {
		vars := callVars()
		vars["CrmId"], vars["RecordPath"], vars["Talk_Duration_Sec"] = "", "", "0"
		run(t, c, "CallJournal", vars)
		body := hd.take()[0].Body
		for _, key := range []string{"owner_id", "participants", "deal_id", "duration"} {
			require.False(t, gjson.Get(body, key).Exists(), key)
		}
		require.NotContains(t, gjson.Get(body, "note").String(), "Recording")
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				run(t, c, "CallJournal", call.vars)
				got := hd.take()
				require.Len(t, got, 1, "a call is logged even without a time: the activity is undated")
				body := got[0].Body
				require.True(t, json.Valid([]byte(body)), body)
				require.Equal(t, "call", gjson.Get(body, "type").String())
				require.True(t, gjson.Get(body, "done").Bool())
				if call.start.IsZero() {
					require.False(t, gjson.Get(body, "due_date").Exists(), "no time known: left out, never sent empty")
					require.False(t, gjson.Get(body, "due_time").Exists())
				} else {
					require.Equal(t, call.start.UTC().Format("2006-01-02"), gjson.Get(body, "due_date").String(), "the start, else the hangup")
					require.Equal(t, call.start.UTC().Format("15:04"), gjson.Get(body, "due_time").String())
				}
				sec := mustAtoi(t, call.vars["Talk_Duration_Sec"])
				if sec == 0 {
					require.False(t, gjson.Get(body, "duration").Exists())
				} else {
					m := (sec + 59) / 60
					require.Equal(t, fmt.Sprintf("%02d:%02d", m/60, m%60), gjson.Get(body, "duration").String())
				}
				require.JSONEq(t, `[{"person_id":17,"primary":true}]`, gjson.Get(body, "participants").Raw)
				require.EqualValues(t, 361, gjson.Get(body, "owner_id").Int())
				require.Contains(t, gjson.Get(body, "note").String(), call.vars["RecordPath"])
				require.NotContains(t, gjson.Get(body, "note").String(), `"The Countess"`, "quotes in names are HTML-escaped in the note")
			})
		}
	})
}
