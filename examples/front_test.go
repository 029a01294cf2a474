package examples_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// frontToken is an API token as Front shows them (a JWT).
const frontToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZXMiOlsic2hhcmVkOioiXSwiaXNzIjoiZnJvbnQifQ.c2lnbmF0dXJl"

// The answers of Front's API reference, in the shapes of its OpenAPI
// document (testdata/front-core-api.json): IdentityResponse for /me,
// ContactResponse for a contact, the list of TeammateResponse, and
// ConversationResponse, CommentResponse and ContactNoteResponses for what
// is created. Values are the document's own property examples (a contact's
// links as strings, not the array its example has).
const (
	frontMe      = `{"_links":{"self":"https://yourCompany.api.frontapp.com/me"},"id":"cmp_k30","name":"Dunder Mifflin Paper Company, Inc."}`
	frontContact = `{"_links":{"self":"https://yourCompany.api.frontapp.com/contacts/crd_3cgz4ge",
		"related":{"notes":"https://yourCompany.api.frontapp.com/contacts/crd_3cgz4ge/notes","conversations":"https://yourCompany.api.frontapp.com/contacts/crd_3cgz4ge/conversations","owner":null}},
		"id":"crd_3cgz4ge","name":"Dwight Schrute","avatar_url":"https://yourCompany.api.frontapp.com/contacts/crd_3cgz4ge/avatar-1673436467707",
		"links":["https://shrutefarms.com"],"lists":[],
		"handles":[{"handle":"dwight@limitlesspaper.com","source":"email"},{"handle":"+14155550100","source":"phone"}],
		"custom_fields":{},"is_private":true}`
	frontTeammates = `{"_links":{"self":"https://yourCompany.api.frontapp.com/teammates"},"_results":[
		{"_links":{"self":"https://yourCompany.api.frontapp.com/teammates/tea_6r55a"},"id":"tea_6r55a","email":"michael.scott@dundermifflin.com",
			"username":"PrisonMike","first_name":"Michael","last_name":"Scott","is_admin":true,"is_available":false,"is_blocked":false,"type":"user","custom_fields":{}},
		{"_links":{"self":"https://yourCompany.api.frontapp.com/teammates/tea_e35u"},"id":"tea_e35u","email":"bob@acme.test",
			"username":"bob","first_name":"Bob","last_name":"Agent","is_admin":false,"is_available":true,"is_blocked":false,"type":"user","custom_fields":{}}]}`
	frontCreatedContact = `{"_links":{"self":"https://yourCompany.api.frontapp.com/contacts/crd_4dh1"},"id":"crd_4dh1","name":"Ann Lee",
		"links":[],"lists":[],"handles":[{"handle":"+14155550100","source":"phone"}],"custom_fields":{},"is_private":false}`
	frontConversation = `{"_links":{"self":"https://yourCompany.api.frontapp.com/conversations/cnv_yo1kg5q"},"id":"cnv_yo1kg5q","type":"discussion",
		"subject":"How to prank Dwight Schrute","status":"assigned","ticket_ids":["TICKET-1"],"assignee":null,"recipient":null,"tags":[],"links":[],
		"custom_fields":{},"created_at":1701292649.333,"is_private":true,"scheduled_reminders":[],"metadata":{}}`
	frontComment = `{"_links":{"self":"https://yourCompany.api.frontapp.com/comments/com_1ywg3f2"},"id":"com_1ywg3f2",
		"author":{"id":"tea_6r55a","email":"michael.scott@dundermifflin.com","username":"PrisonMike","first_name":"Michael","last_name":"Scott"},
		"body":"Sometimes I'll start a sentence and I don't even know where it's going.","posted_at":1698943401.378,"attachments":[],"is_pinned":false}`
	frontNote = `{"_links":{"related":{"author":"https://yourCompany.api.frontapp.com/teammates/tea_6r55a","owner":null}},
		"author":{"id":"tea_6r55a","email":"michael.scott@dundermifflin.com","username":"PrisonMike","first_name":"Michael","last_name":"Scott"},
		"body":"Mrs. Allen is our most important client.","created_at":1701806790.536,"is_private":false}`
)

// frontClient connects the example to the local Front as the service does:
// the fields, then what GetGlobalInfo read, which every run sees.
func frontClient(t *testing.T, hd *helpdesk, fields engine.Vars) *engine.Client {
	t.Helper()
	return connected(t, "front.xml", withFields(engine.Vars{"base_url": hd.URL, "api_token": frontToken, "inbox_id": "", "author_id": ""}, fields))
}

// frontCall is a call whose agent is bound to a teammate.
func frontCall() engine.Vars {
	v := callVars()
	v["CrmId"] = "tea_6r55a"
	return v
}

// TestFront drives the Front example through a call's life: the token's
// company, the caller's lookup by phone handle, the agent's search by
// number or email, the teammates, a contact, a discussion with its comment
// at hangup, and the call as a note on the contact.
func TestFront(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /me":                              {200, frontMe},
		"GET /contacts/alt:phone:+14155550100": {200, frontContact},
		"GET /contacts/alt:email:dwight@limitlesspaper.com": {200, frontContact},
		"GET /teammates":                           {200, frontTeammates},
		"POST /contacts":                           {201, frontCreatedContact},
		"POST /conversations":                      {201, frontConversation},
		"POST /conversations/cnv_yo1kg5q/comments": {201, frontComment},
		"POST /contacts/crd_3cgz4ge/notes":         {201, frontNote},
	})
	c := frontClient(t, hd, nil)
	// Every request carries the token and speaks JSON.
	requireFrontHeaders := jsonAPI{want: map[string]string{"Authorization": "Bearer " + frontToken, "Accept": "application/json"}}.check

	t.Run("token identity", func(t *testing.T) {
		got := hd.takeOne(t, http.MethodGet, "/me") // GetGlobalInfo, once
		requireFrontHeaders(t, got)
		require.Equal(t, "cmp_k30", c.Vars()["CompanyId"])
		require.Equal(t, "Dunder Mifflin Paper Company, Inc.", c.Vars()["CompanyName"])
	})

	t.Run("lookup by phone handle", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, "crd_3cgz4ge", row["ContactsId"])
		require.Equal(t, "Dwight Schrute", row["FirstName"])
		require.Equal(t, "dwight@limitlesspaper.com", row["Email"], "the email handle")
		require.Equal(t, "+14155550100", row["BusinessNumber"], "the phone handle")
		require.Equal(t, "https://app.frontapp.com/open/crd_3cgz4ge", contacts[0].URL)

		got := hd.takeOne(t, http.MethodGet, "/contacts/alt:phone:+14155550100")
		require.Empty(t, got[0].Query)
		require.Empty(t, got[0].Body)
		requireFrontHeaders(t, got)
		require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"], "the token is masked in traces")
		require.Contains(t, res.Trace[0].URL, "/contacts/alt:phone:%2B14155550100", "the number URL-encoded in the alias")
	})

	t.Run("no number, no lookup", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = ""
		res := run(t, c, "SyncContactAuto", vars)
		require.Empty(t, res.Rows)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("an unknown number is a 404: nobody found", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = "+14155550177"
		contacts, res := scenarios.LookupContacts(t.Context(), c, vars, nil)
		require.NoError(t, res.Err, "Front answers 404 for an alias nobody has; NotFoundStatus makes it no rows")
		require.Empty(t, contacts)
		require.Equal(t, http.StatusNotFound, res.Trace[0].Status, "the trace keeps the answer as it was")
		hd.take()
		hd.mu.Lock()
		hd.miss = nil // the 404 was the point
		hd.mu.Unlock()
	})

	t.Run("agent's search by number or email", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, "+1 (415) 555-0100", callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		require.Equal(t, "crd_3cgz4ge", contacts[0].Values["ContactsId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/contacts/alt:phone:+14155550100", got[0].Path, "only the number's + and digits")
		requireFrontHeaders(t, got)

		contacts, res = scenarios.SearchContacts(t.Context(), c, " dwight@limitlesspaper.com ", callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		got = hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/contacts/alt:email:dwight@limitlesspaper.com", got[0].Path)
		require.Contains(t, res.Trace[0].URL, "alt:email:dwight%40limitlesspaper.com")

		contacts, res = scenarios.SearchContacts(t.Context(), c, `Ann "the caller"`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Empty(t, contacts)
		require.True(t, res.Trace[0].Skipped, "Front cannot search contacts by name")
		require.Empty(t, hd.take())
	})

	t.Run("teammates", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: "tea_6r55a", FirstName: "Michael", LastName: "Scott", Email: "michael.scott@dundermifflin.com"},
			{ID: "tea_e35u", FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
		}, users)
		got := hd.takeOne(t, http.MethodGet, "/teammates") // one answer: the list is not paged
		require.Empty(t, got[0].Query)
		requireFrontHeaders(t, got)
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "crd_4dh1", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/contacts")
		requireFrontHeaders(t, got)
		require.JSONEq(t, `{"name":"Ann Lee \"the caller\"","handles":[{"handle":"+14155550100","source":"phone"}]}`, got[0].Body,
			"the name JSON-escaped; no email handle when none is known")

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "ann@acme.test"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"handles":[{"handle":"+14155550100","source":"phone"},{"handle":"ann@acme.test","source":"email"}]}`,
			hd.take()[0].Body, "a caller without a name")
	})

	t.Run("discussion for the agent, and its comment at hangup", func(t *testing.T) {
		res := run(t, c, "CreateNewTicket", frontCall())
		require.Equal(t, "cnv_yo1kg5q", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireFrontHeaders(t, got)

		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/conversations", got[0].Path)
		require.JSONEq(t, `{"type":"discussion","teammate_ids":["tea_6r55a"],
			"subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
			"comment":{"author_id":"tea_6r55a",
				"body":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"}}`, got[0].Body)

		require.Equal(t, "/conversations/cnv_yo1kg5q/comments", got[1].Path, "UpdateTicket: a comment on the discussion just made")
		require.JSONEq(t, `{"author_id":"tea_6r55a",
			"body":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"}`, got[1].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), frontCall(), engine.Vars{"TicketId": "cnv_yo1kg5q"})
		require.NoError(t, err)
		require.Equal(t, "https://app.frontapp.com/open/cnv_yo1kg5q", url)
	})

	t.Run("discussion in the configured inbox", func(t *testing.T) {
		c2 := frontClient(t, hd, engine.Vars{"inbox_id": "inb_55c8c149"})
		hd.take()
		vars := callVars() // CrmId 361: not a teammate id
		run(t, c2, "CreateNewTicket", vars)
		got := hd.take()
		require.Len(t, got, 2)
		require.Equal(t, "inb_55c8c149", gjson.Get(got[0].Body, "inbox_id").String())
		require.False(t, gjson.Get(got[0].Body, "teammate_ids").Exists(), "inbox_id or teammate_ids, not both")
		require.False(t, gjson.Get(got[0].Body, "comment.author_id").Exists(), "posted as the token")
		require.False(t, gjson.Get(got[1].Body, "author_id").Exists())
	})

	t.Run("no discussion without an inbox or a teammate", func(t *testing.T) {
		res := run(t, c, "CreateNewTicket", callVars())
		require.True(t, res.Trace[0].Skipped)
		require.True(t, res.Trace[1].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("call journal on the contact", func(t *testing.T) {
		vars := frontCall()
		vars["ContactId"] = "crd_3cgz4ge"
		res := run(t, c, "CallJournal", vars)
		require.Len(t, res.Trace, 1)
		got := hd.takeOne(t, http.MethodPost, "/contacts/crd_3cgz4ge/notes")
		requireFrontHeaders(t, got)
		require.JSONEq(t, `{"author_id":"tea_6r55a",
			"body":"Inbound call Completed\nInbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30\nRecording: https://switchboard.test/recordings/tok123"}`,
			got[0].Body)
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["ContactId"], vars["CrmId"] = "crd_3cgz4ge", "tea_6r55a"
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1, "logged whether or not the call has a time")
				body := gjson.Get(got[0].Body, "body").String()
				require.Contains(t, body, call.vars["Call_From"], "names with quotes kept as text")
				require.Contains(t, body, "Recording: "+call.vars["RecordPath"])
				require.NotContains(t, body, " at \n", "a call without a start says no time rather than an empty one")
			})
		}
	})

	t.Run("journal by the configured author, or not at all", func(t *testing.T) {
		vars := callVars() // CrmId 361: not a teammate id
		vars["ContactId"], vars["RecordPath"] = "crd_3cgz4ge", ""
		res := run(t, c, "CallJournal", vars)
		require.True(t, res.Trace[0].Skipped, "a note needs an author")
		require.Empty(t, hd.take())

		c2 := frontClient(t, hd, engine.Vars{"author_id": "tea_e35u"})
		hd.take()
		run(t, c2, "CallJournal", vars)
		body := hd.take()[0].Body
		require.Equal(t, "tea_e35u", gjson.Get(body, "author_id").String())
		require.NotContains(t, gjson.Get(body, "body").String(), "Recording")

		vars["ContactId"] = ""
		res = run(t, c2, "CallJournal", vars)
		require.True(t, res.Trace[0].Skipped, "no contact, nowhere to write")
		require.Empty(t, hd.take())
	})
}
