package examples_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
)

// Each test drives one example through a call's life against a local server
// answering as the product documents: look the caller up (with the Next
// chain that fetches more numbers), create a contact, open a ticket and
// update it, and journal the call — and check what the template sent.

func TestZendesk(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v2/search.json":              {200, zendeskFound},
		"GET /api/v2/users/17/identities.json": {200, zendeskIdentities},
		"POST /api/v2/users.json":              {201, zendeskUserCreated},
		"POST /api/v2/tickets.json":            {201, zendeskTicketCreated},
		"PUT /api/v2/tickets/4711.json":        {200, zendeskTicketUpdated},
	})
	c := client(t, "zendesk.xml", engine.Vars{"base_url": hd.URL, "email": "agent@acme.test", "api_token": "zd-api-token-secret"}, "")

	t.Run("lookup with identities", func(t *testing.T) {
		res := run(t, c, "SyncContactAuto", callVars())
		require.Len(t, res.Rows, 1)
		row := res.Rows[0].Values
		require.Equal(t, "17", row["ContactsId"])
		require.Equal(t, "Ann Lee", row["FirstName"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550101", row["BusinessNumber2"], "backfilled from the second phone identity")
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, "ann@acme.test", row["Email"])
		got := hd.take()
		require.Len(t, got, 2)
		require.Equal(t, "query=role%3Aend-user%20phone%3A%2A14155550100", got[0].Query)
		cred := base64.StdEncoding.EncodeToString([]byte("agent@acme.test/token:zd-api-token-secret"))
		require.Equal(t, "Basic "+cred, got[0].Header.Get("Authorization"))
		require.Equal(t, "/api/v2/users/17/identities.json", got[1].Path)
		require.Equal(t, "Basic ****", res.Trace[0].RequestHeaders["Authorization"])
	})
	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "9001", res.Vars["ContactId"])
		body := hd.take()[0].Body
		require.Equal(t, `Ann Lee "the caller"`, gjson.Get(body, "user.name").String(), "names are JSON-escaped")
		require.Equal(t, "+14155550100", gjson.Get(body, "user.phone").String())
		require.Equal(t, "end-user", gjson.Get(body, "user.role").String())
	})
	t.Run("ticket and update", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "17"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "4711", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		require.EqualValues(t, 17, gjson.Get(got[0].Body, "ticket.requester_id").Int())
		require.Contains(t, gjson.Get(got[0].Body, "ticket.subject").String(), "Inbound call Completed")
		require.Equal(t, "/api/v2/tickets/4711.json", got[1].Path, "UpdateTicket uses the TicketId output")
		require.False(t, gjson.Get(got[1].Body, "ticket.comment.public").Bool())
	})
	t.Run("journal, and its skip without a ticket", func(t *testing.T) {
		vars := callVars()
		vars["TicketId"] = "4711"
		run(t, c, "CallJournal", vars)
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "https://switchboard.test/recordings/tok123", gjson.Get(got[0].Body, "ticket.voice_comment.recording_url").String())
		require.EqualValues(t, 90, gjson.Get(got[0].Body, "ticket.voice_comment.call_duration").Int())
		require.Equal(t, "2026-11-21T10:00:00.000Z", gjson.Get(got[0].Body, "ticket.voice_comment.started_at").String())

		res := run(t, c, "CallJournal", callVars())
		require.Empty(t, hd.take(), "no ticket: nothing is sent")
		require.True(t, res.Trace[0].Skipped)
	})
}

func TestFreshdesk(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v2/search/contacts":    {200, freshdeskFound},
		"GET /api/v2/contacts/5":         {200, freshdeskContact},
		"POST /api/v2/contacts":          {201, freshdeskCreated},
		"POST /api/v2/tickets":           {201, freshdeskTicket},
		"POST /api/v2/tickets/123/notes": {201, freshdeskNote},
	})
	c := client(t, "freshdesk.xml", engine.Vars{"base_url": hd.URL, "api_key": "fd-api-key-secret"}, "")

	t.Run("lookup with contact details", func(t *testing.T) {
		res := run(t, c, "SyncContactAuto", callVars())
		require.Len(t, res.Rows, 1)
		row := res.Rows[0].Values
		require.Equal(t, "5", row["ContactsId"])
		require.Equal(t, "+14155550199", row["MobileNumber"], "backfilled by GetContact")
		require.Equal(t, "Prefers mornings", row["Remark"])
		got := hd.take()
		require.Equal(t, `"phone:'+14155550100' OR mobile:'+14155550100'"`, queryValue(t, got[0].Query, "query"))
		require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("fd-api-key-secret:X")), got[0].Header.Get("Authorization"))
	})
	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "77", res.Vars["ContactId"])
		require.Equal(t, "+14155550100", gjson.Get(hd.take()[0].Body, "phone").String())
	})
	t.Run("ticket and update", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "5"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "123", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		require.EqualValues(t, 5, gjson.Get(got[0].Body, "requester_id").Int())
		require.Equal(t, "/api/v2/tickets/123/notes", got[1].Path)
		require.True(t, gjson.Get(got[1].Body, "private").Bool())
	})
	t.Run("journal, and its skip without a ticket", func(t *testing.T) {
		vars := callVars()
		vars["TicketId"] = "123"
		run(t, c, "CallJournal", vars)
		got := hd.take()
		require.Len(t, got, 1)
		require.Contains(t, gjson.Get(got[0].Body, "body").String(), "https://switchboard.test/recordings/tok123")
		res := run(t, c, "CallJournal", callVars())
		require.Empty(t, hd.take())
		require.True(t, res.Trace[0].Skipped)
	})
}

func TestZohoDesk(t *testing.T) {
	const contact = zohoDeskContactID
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/v1/contacts/search":                 {200, zohoDeskFound},
		"GET /api/v1/contacts/" + contact:             {200, zohoDeskContact},
		"POST /api/v1/contacts":                       {200, zohoDeskCreated},
		"POST /api/v1/tickets":                        {200, zohoDeskTicket},
		"POST /api/v1/tickets/1892000000555/comments": {200, zohoDeskComment},
		"POST /api/v1/calls":                          {200, zohoDeskCall},
	})
	c := client(t, "zohodesk.xml", engine.Vars{"base_url": hd.URL, "accounts_url": hd.URL, "org_id": "60001234",
		"client_id": "1000.CLIENT", "client_secret": "zoho-client-secret"}, "zoho-access-token")

	t.Run("lookup with contact details", func(t *testing.T) {
		res := run(t, c, "SyncContactAuto", callVars())
		require.Len(t, res.Rows, 1)
		row := res.Rows[0].Values
		require.Equal(t, contact, row["ContactsId"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "+14155550177", row["MobileNumber"])
		got := hd.take()
		require.Equal(t, "Zoho-oauthtoken zoho-access-token", got[0].Header.Get("Authorization"), "TokenType sets the scheme")
		require.Equal(t, "60001234", got[0].Header.Get("orgId"))
		require.Equal(t, "+14155550100", queryValue(t, got[0].Query, "_all"))
		require.Equal(t, "Zoho-oauthtoken ****", res.Trace[0].RequestHeaders["Authorization"])
	})
	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "1892000000099001", res.Vars["ContactId"])
		require.Equal(t, `Lee "the caller"`, gjson.Get(hd.take()[0].Body, "lastName").String())
	})
	t.Run("ticket and update", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["department_id"] = contact, "1892000000006907"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "1892000000555", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		require.Equal(t, contact, gjson.Get(got[0].Body, "contactId").String())
		require.Equal(t, "1892000000006907", gjson.Get(got[0].Body, "departmentId").String())
		require.Equal(t, "/api/v1/tickets/1892000000555/comments", got[1].Path)
	})
	t.Run("journal, and its skip without a contact", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = contact
		run(t, c, "CallJournal", vars)
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "inbound", gjson.Get(got[0].Body, "direction").String())
		require.EqualValues(t, 90, gjson.Get(got[0].Body, "duration").Int())
		res := run(t, c, "CallJournal", callVars())
		require.Empty(t, hd.take())
		require.True(t, res.Trace[0].Skipped)
	})
}
