package examples_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// intercomToken is an access token as Intercom's Developer Hub shows them.
const intercomToken = "dG9rOjU4NjE0ZGIyXzk5NjNfNDFkMl85YTQ0XzM0YmQ0ZTc1NTNhZToxOjA="

// The answers of Intercom's API reference, in the shapes of its OpenAPI
// document (testdata/intercom-2.14.yaml): admin_with_app for /me, a
// contact_list for a search, admin_list for the admins, a contact, a
// ticket, a ticket_reply and a note for what is created. Values are the
// document's own examples.
const (
	intercomMe = `{"type":"admin","id":"991267459","email":"admin1@email.com","name":"Ciaran1 Lee","email_verified":true,
		"app":{"type":"app","id_code":"this_is_an_id1_that_should_be_at_least_40","name":"MyApp 1","created_at":1734537243,
			"secure":false,"identity_verification":false,"timezone":"America/Los_Angeles","region":"EU"},
		"avatar":{"type":"avatar","image_url":"https://static.intercomassets.com/assets/default-avatars/admins/128.png"},"has_inbox_seat":true}`
	intercomFound = `{"type":"list","data":[{"type":"contact","id":"6762f0dd1bb69f9f2193bb83","workspace_id":"this_is_an_id303_that_should_be_at_least_",
		"external_id":null,"role":"user","email":"joebloggs@intercom.io","phone":"+14155550100","name":"Joe Bloggs","avatar":null,"owner_id":null,
		"has_hard_bounced":false,"marked_email_as_spam":false,"unsubscribed_from_emails":false,"created_at":1734537437,"updated_at":1734537437}],
		"total_count":1,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":1}}`
	intercomAdmins = `{"type":"admin.list","admins":[
		{"type":"admin","email":"admin7@email.com","id":"991267466","name":"Ciaran7 Lee","away_mode_enabled":false,"away_mode_reassign":false,"has_inbox_seat":true,"team_ids":[]},
		{"type":"admin","email":"bob@acme.test","id":"991267467","name":"Bob Agent","away_mode_enabled":false,"away_mode_reassign":false,"has_inbox_seat":true,"team_ids":[]}]}`
	intercomContact = `{"type":"contact","id":"6762f0dd1bb69f9f2193bb99","workspace_id":"this_is_an_id303_that_should_be_at_least_","role":"lead",
		"email":null,"phone":"+14155550100","name":"Ann Lee","created_at":1734537437,"updated_at":1734537437}`
	intercomTicket = `{"type":"ticket","id":"626","ticket_id":"33","ticket_attributes":{"_default_title_":"example","_default_description_":"there is a problem"},
		"ticket_state":{"type":"ticket_state","id":"8481","category":"submitted","internal_label":"Submitted","external_label":"Submitted"},
		"contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"6762f0dd1bb69f9f2193bb83","external_id":"70"}]},
		"admin_assignee_id":"0","team_assignee_id":"0","created_at":1734537944,"updated_at":1734537946,"open":true,"category":"Customer","is_shared":false}`
	intercomReply = `{"type":"ticket_part","id":"156","part_type":"note","body":"<p>Call</p>","created_at":1734537884,"updated_at":1734537884,
		"author":{"id":"991267943","type":"admin","name":"Ciaran419 Lee","email":"admin419@email.com"},"attachments":[],"redacted":false}`
	intercomNote = `{"type":"note","id":"31","created_at":1734537390,"contact":{"type":"contact","id":"6762f0dd1bb69f9f2193bb83"},
		"author":{"type":"admin","id":"991267583","name":"Ciaran124 Lee","email":"admin124@email.com","away_mode_enabled":false,"away_mode_reassign":false},
		"body":"<p>Hello</p>"}`
)

// intercomClient connects the example to the local Intercom as the service
// does: the fields, then what GetGlobalInfo read, which every run sees.
func intercomClient(t *testing.T, hd *helpdesk, fields engine.Vars) *engine.Client {
	t.Helper()
	return connected(t, "intercom.xml", withFields(engine.Vars{"base_url": hd.URL, "access_token": intercomToken, "ticket_type_id": "88", "contact_role": "lead"}, fields))
}

// TestIntercom drives the Intercom example through a call's life: the
// token's admin and workspace, the caller's lookup by number, the agent's
// search, the admins, a contact, a ticket with its note at hangup, and the
// call as a note on the contact.
func TestIntercom(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /me":                 {200, intercomMe},
		"POST /contacts/search":   {200, intercomFound},
		"GET /admins":             {200, intercomAdmins},
		"POST /contacts":          {200, intercomContact},
		"POST /tickets":           {200, intercomTicket},
		"POST /tickets/626/reply": {200, intercomReply},
		"POST /contacts/6762f0dd1bb69f9f2193bb83/notes": {200, intercomNote},
	})
	c := intercomClient(t, hd, nil)
	// Every request carries the token and the API version, and speaks JSON.
	requireIntercomHeaders := jsonAPI{want: map[string]string{"Authorization": "Bearer " + intercomToken, "Intercom-Version": "2.14",
		"Accept": "application/json"}}.check

	t.Run("admin and workspace", func(t *testing.T) {
		got := hd.takeOne(t, http.MethodGet, "/me") // GetGlobalInfo, once
		requireIntercomHeaders(t, got)
		require.Equal(t, "991267459", c.Vars()["AdminId"])
		require.Equal(t, "this_is_an_id1_that_should_be_at_least_40", c.Vars()["AppId"])
		require.Equal(t, "EU", c.Vars()["AppRegion"])
	})

	t.Run("lookup by phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, "6762f0dd1bb69f9f2193bb83", row["ContactsId"])
		require.Equal(t, "Joe Bloggs", row["FirstName"])
		require.Equal(t, "joebloggs@intercom.io", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "https://app.eu.intercom.com/a/apps/this_is_an_id1_that_should_be_at_least_40/users/6762f0dd1bb69f9f2193bb83/all-conversations",
			contacts[0].URL, "the contact's page, on the workspace's regional host")

		got := hd.takeOne(t, http.MethodPost, "/contacts/search")
		require.Empty(t, got[0].Query)
		requireIntercomHeaders(t, got)
		require.JSONEq(t, `{"query":{"field":"phone","operator":"=","value":"+14155550100"},"pagination":{"per_page":10}}`,
			got[0].Body, "the number as the PBX gives it (E.164)")
		require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"], "the token is masked in traces")
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
		contacts, res := scenarios.SearchContacts(t.Context(), c, `Ann "the caller"`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		require.Equal(t, "6762f0dd1bb69f9f2193bb83", contacts[0].Values["ContactsId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/contacts/search", got[0].Path)
		requireIntercomHeaders(t, got)
		require.JSONEq(t, `{"query":{"operator":"OR","value":[
			{"field":"name","operator":"~","value":"Ann \"the caller\""},
			{"field":"email","operator":"~","value":"Ann \"the caller\""},
			{"field":"phone","operator":"~","value":"Ann \"the caller\""}]},"pagination":{"per_page":20}}`, got[0].Body)
	})

	t.Run("admins", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: "991267466", FirstName: "Ciaran7 Lee", Email: "admin7@email.com"},
			{ID: "991267467", FirstName: "Bob Agent", Email: "bob@acme.test"},
		}, users)
		got := hd.takeOne(t, http.MethodGet, "/admins") // one answer: the list is not paged
		require.Empty(t, got[0].Query)
		require.Empty(t, got[0].Body)
		requireIntercomHeaders(t, got)
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "6762f0dd1bb69f9f2193bb99", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/contacts")
		requireIntercomHeaders(t, got)
		require.JSONEq(t, `{"role":"lead","phone":"+14155550100","name":"Ann Lee \"the caller\""}`, got[0].Body,
			"the name JSON-escaped; no email when none is known")

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "ann@acme.test"
		run(t, intercomClient(t, hd, engine.Vars{"contact_role": "user"}), "CreateNewContact", vars, "contacts")
		got = hd.take()
		require.Len(t, got, 2, "GetGlobalInfo of the new client, then the contact")
		require.JSONEq(t, `{"role":"user","phone":"+14155550100","email":"ann@acme.test"}`, got[1].Body, "a user without a name")
	})

	t.Run("ticket, and its note at hangup", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "6762f0dd1bb69f9f2193bb83", "991267466"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "626", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireIntercomHeaders(t, got)

		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/tickets", got[0].Path)
		require.JSONEq(t, `{"ticket_type_id":"88","contacts":[{"id":"6762f0dd1bb69f9f2193bb83"}],
			"ticket_attributes":{
				"_default_title_":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
				"_default_description_":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"},
			"assignment":{"admin_assignee_id":"991267466"}}`, got[0].Body)

		require.Equal(t, "/tickets/626/reply", got[1].Path, "UpdateTicket: a note on the ticket just made")
		require.JSONEq(t, `{"message_type":"note","type":"admin","admin_id":"991267466",
			"body":"<p>Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30</p>"}`,
			got[1].Body, "an admin's note: HTML, the description escaped with its lines kept")

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": "626"})
		require.NoError(t, err)
		require.Equal(t, "https://app.eu.intercom.com/a/inbox/this_is_an_id1_that_should_be_at_least_40/inbox/conversation/626", url)
	})

	t.Run("ticket without an agent's admin id", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "6762f0dd1bb69f9f2193bb83", "bob@acme.test"
		run(t, c, "CreateNewTicket", vars)
		got := hd.take()
		require.Len(t, got, 2)
		require.False(t, gjson.Get(got[0].Body, "assignment").Exists(), "an admin id is a number")
		require.Equal(t, "991267459", gjson.Get(got[1].Body, "admin_id").String(), "the token's admin writes the note")
	})

	t.Run("no ticket without a contact or a ticket type", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = ""
		res := run(t, c, "CreateNewTicket", vars)
		require.True(t, res.Trace[0].Skipped, "Intercom's tickets need a contact")
		require.True(t, res.Trace[1].Skipped, "and no ticket, no note")
		require.Empty(t, hd.take())

		c2 := intercomClient(t, hd, engine.Vars{"ticket_type_id": ""})
		hd.take()
		vars["ContactId"] = "6762f0dd1bb69f9f2193bb83"
		res = run(t, c2, "CreateNewTicket", vars)
		require.True(t, res.Trace[0].Skipped, "nor without a ticket type")
		require.Empty(t, hd.take())
	})

	t.Run("call journal on the contact", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "6762f0dd1bb69f9f2193bb83"
		res := run(t, c, "CallJournal", vars)
		require.Len(t, res.Trace, 1)
		got := hd.takeOne(t, http.MethodPost, "/contacts/6762f0dd1bb69f9f2193bb83/notes")
		requireIntercomHeaders(t, got)
		require.JSONEq(t, `{"body":"<p><b>Inbound call Completed</b></p><p>Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30</p><p><a href=\"https://switchboard.test/recordings/tok123\">Recording</a></p>",
			"admin_id":"361"}`, got[0].Body, "the agent's admin id (CrmId) writes it")
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["ContactId"] = "6762f0dd1bb69f9f2193bb83"
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1, "logged whether or not the call has a time")
				body := gjson.Get(got[0].Body, "body").String()
				require.Contains(t, body, "&lt;"+call.vars["CallerNumber"]+"&gt;", "a caller id's <number> is text, not a tag")
				require.NotContains(t, body, `"The Countess"`, "quotes in names are escaped")
				require.Contains(t, body, `<a href="`+call.vars["RecordPath"]+`">Recording</a>`)
				require.NotContains(t, body, " at <br>", "a call without a start says no time rather than an empty one")
			})
		}
	})

	t.Run("journal without a contact, a recording or an agent", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = ""
		res := run(t, c, "CallJournal", vars)
		require.True(t, res.Trace[0].Skipped, "no contact, nowhere to write")
		require.Empty(t, hd.take())

		vars["ContactId"], vars["RecordPath"], vars["CrmId"] = "6762f0dd1bb69f9f2193bb83", "", ""
		run(t, c, "CallJournal", vars)
		body := hd.take()[0].Body
		require.NotContains(t, gjson.Get(body, "body").String(), "Recording")
		require.Equal(t, "991267459", gjson.Get(body, "admin_id").String(), "the token's admin")
	})
}
