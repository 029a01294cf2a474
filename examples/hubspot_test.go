package examples_test

import (
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

// hubspotToken is a private app's access token as HubSpot shows them.
const hubspotToken = "pat-na1-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

// The answers of HubSpot's API reference, in the shapes of its OpenAPI
// documents (testdata/hubspot-*): a SimplePublicObject for what is created,
// CollectionResponseWithTotalSimplePublicObject for a search (properties
// are strings, ids are strings), PortalInformationResponse for the account
// and CollectionResponsePublicOwnerForwardPaging for the owners.
const (
	hubspotAccount = `{"portalId":12345678,"accountType":"STANDARD","timeZone":"US/Eastern","companyCurrency":"USD",
		"additionalCurrencies":["EUR"],"utcOffset":"-05:00","utcOffsetMilliseconds":-18000000,
		"uiDomain":"app-eu1.hubspot.com","dataHostingLocation":"eu1"}`
	hubspotFound = `{"total":1,"results":[{"id":"512","properties":{"company":"Acme","createdate":"2026-01-10T08:30:15.234Z",
		"email":"ann@acme.test","firstname":"Ann","hs_object_id":"512","lastmodifieddate":"2026-01-15T14:22:10.456Z",
		"lastname":"Lee","mobilephone":"+14155550102","phone":"+14155550100"},
		"createdAt":"2026-01-10T08:30:15.234Z","updatedAt":"2026-01-15T14:22:10.456Z","archived":false}]}`
	hubspotOwners = `{"results":[
		{"id":"361","email":"bob@acme.test","firstName":"Bob","lastName":"Agent","userId":9586504,"createdAt":"2019-12-25T13:01:35.228Z","updatedAt":"2023-08-22T13:40:26.790Z","archived":false},
		{"id":"362","email":"cy@acme.test","firstName":"Cy","lastName":"Support","userId":9586505,"createdAt":"2019-12-25T13:01:35.228Z","updatedAt":"2023-08-22T13:40:26.790Z","archived":false}]}`
)

func hubspotCreated(id string) reply {
	return reply{201, `{"id":"` + id + `","properties":{"hs_object_id":"` + id + `"},"createdAt":"2026-11-21T10:01:35.228Z","updatedAt":"2026-11-21T10:01:35.228Z","archived":false}`}
}

// hubspotClient connects the example to the local HubSpot as the service
// does: the fields, then what GetGlobalInfo read, which every run sees.
func hubspotClient(t *testing.T, hd *helpdesk, fields engine.Vars) *engine.Client {
	t.Helper()
	return connected(t, "hubspot.xml", withFields(engine.Vars{"base_url": hd.URL, "access_token": hubspotToken, "ticket_pipeline": "0", "ticket_stage": "1"}, fields))
}

// TestHubSpot drives the HubSpot example through a call's life: the
// account's details, the caller's lookup by number, the agent's search,
// the owners, a contact, a ticket with its note at hangup, and the call
// logged on the contact and the ticket.
func TestHubSpot(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /account-info/v3/details":         {200, hubspotAccount},
		"POST /crm/v3/objects/contacts/search": {200, hubspotFound},
		"GET /crm/v3/owners/":                  {200, hubspotOwners},
		"POST /crm/v3/objects/contacts":        hubspotCreated("9001"),
		"POST /crm/v3/objects/tickets":         hubspotCreated("4711"),
		"POST /crm/v3/objects/notes":           hubspotCreated("6001"),
		"POST /crm/v3/objects/calls":           hubspotCreated("7001"),
	})
	c := hubspotClient(t, hd, nil)
	// Every request carries the private app's token and speaks JSON.
	requireHubSpotHeaders := jsonAPI{want: map[string]string{"Authorization": "Bearer " + hubspotToken, "Accept": "application/json"}}.check

	t.Run("account details", func(t *testing.T) {
		got := hd.take()
		require.Len(t, got, 1, "GetGlobalInfo, once")
		require.Equal(t, "/account-info/v3/details", got[0].Path)
		requireHubSpotHeaders(t, got)
		require.Equal(t, "12345678", c.Vars()["PortalId"])
		require.Equal(t, "app-eu1.hubspot.com", c.Vars()["UiDomain"])
	})

	t.Run("lookup by phone and mobile phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, "512", row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, "Acme", row["Company"])
		require.Equal(t, "https://app-eu1.hubspot.com/contacts/12345678/record/0-1/512", contacts[0].URL,
			"the record page, on the account's own domain")

		got := hd.takeOne(t, http.MethodPost, "/crm/v3/objects/contacts/search")
		require.Empty(t, got[0].Query)
		requireHubSpotHeaders(t, got)
		require.JSONEq(t, `{
			"filterGroups":[
				{"filters":[{"propertyName":"phone","operator":"EQ","value":"+14155550100"}]},
				{"filters":[{"propertyName":"mobilephone","operator":"EQ","value":"+14155550100"}]}],
			"properties":["firstname","lastname","email","phone","mobilephone","company"],
			"sorts":[],"limit":10,"after":"0"}`, got[0].Body, "the number as the PBX gives it (E.164), in phone OR mobilephone")
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

	t.Run("the Hub ID given in its field", func(t *testing.T) {
		c2 := hubspotClient(t, hd, engine.Vars{"portal_id": "99"})
		got := hd.take()
		require.Len(t, got, 1, "the account is not asked: the token is checked on one owner")
		require.Equal(t, "/crm/v3/owners/", got[0].Path)
		require.Equal(t, "limit=1", got[0].Query)
		requireHubSpotHeaders(t, got)
		contacts, res := scenarios.LookupContacts(t.Context(), c2, callVars(), nil)
		require.NoError(t, res.Err)
		require.Equal(t, "https://app.hubspot.com/contacts/99/record/0-1/512", contacts[0].URL)
		hd.take()
	})

	t.Run("agent's search", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, `Ann "the caller"`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		require.Equal(t, "512", contacts[0].Values["ContactsId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/crm/v3/objects/contacts/search", got[0].Path)
		requireHubSpotHeaders(t, got)
		require.JSONEq(t, `{"query":"Ann \"the caller\"","filterGroups":[],
			"properties":["firstname","lastname","email","phone","mobilephone","company"],
			"sorts":[],"limit":20,"after":"0"}`, got[0].Body)
	})

	t.Run("owners", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: "361", FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
			{ID: "362", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"},
		}, users, "the owner id, which hubspot_owner_id takes (not the userId)")
		got := hd.takeOne(t, http.MethodGet, "/crm/v3/owners/") // no paging.next: one page
		require.Equal(t, "limit=100&archived=false", got[0].Query)
		require.Empty(t, got[0].Body)
		requireHubSpotHeaders(t, got)
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "9001", res.Vars["ContactId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/crm/v3/objects/contacts", got[0].Path)
		requireHubSpotHeaders(t, got)
		require.JSONEq(t, `{"properties":{"firstname":"Ann","lastname":"Lee \"the caller\"","phone":"+14155550100"},
			"associations":[]}`, got[0].Body, "names JSON-escaped; no email or company when none is known")

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"], vars["Company"] = "", "", "ann@acme.test", "Acme"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"properties":{"firstname":"Caller","lastname":"+14155550100","phone":"+14155550100",
			"email":"ann@acme.test","company":"Acme"},"associations":[]}`, hd.take()[0].Body, "a caller without a name")
	})

	t.Run("ticket with association, and its note", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = "512"
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, "4711", res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireHubSpotHeaders(t, got)

		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/crm/v3/objects/tickets", got[0].Path)
		require.JSONEq(t, `{"properties":{
				"subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
				"content":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30",
				"hs_pipeline":"0","hs_pipeline_stage":"1","hubspot_owner_id":"361"},
			"associations":[{"to":{"id":"512"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":16}]}]}`, got[0].Body)

		require.Equal(t, "/crm/v3/objects/notes", got[1].Path, "UpdateTicket: a note on the ticket just made")
		require.JSONEq(t, `{"properties":{"hs_timestamp":"2026-11-21T10:01:35.000Z",
				"hs_note_body":"Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30",
				"hubspot_owner_id":"361"},
			"associations":[{"to":{"id":"4711"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":228}]}]}`, got[1].Body,
			"the note's time is the hangup; its body is HTML, the description escaped with its lines kept")

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": "4711"})
		require.NoError(t, err)
		require.Equal(t, "https://app-eu1.hubspot.com/contacts/12345678/record/0-5/4711", url)
	})

	t.Run("ticket without a known contact or owner", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "", "bob@acme.test"
		run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
		body := hd.take()[0].Body
		require.JSONEq(t, `[]`, gjson.Get(body, "associations").Raw)
		require.False(t, gjson.Get(body, "properties.hubspot_owner_id").Exists(), "an owner id is a number")
	})

	t.Run("call journal on the contact and the ticket", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["TicketId"] = "512", "4711"
		res := run(t, c, "CallJournal", vars)
		require.Len(t, res.Trace, 1)
		got := hd.takeOne(t, http.MethodPost, "/crm/v3/objects/calls")
		requireHubSpotHeaders(t, got)
		require.JSONEq(t, `{"properties":{
				"hs_timestamp":"2026-11-21T10:00:00.000Z",
				"hs_call_title":"Inbound call Completed",
				"hs_call_body":"Inbound call Completed at 2026-11-21 10:00:00<br>From: Ann Lee &lt;+14155550100&gt;<br>To: Bob Agent &lt;1001&gt;<br>Talk duration: 00:01:30",
				"hs_call_direction":"INBOUND",
				"hs_call_duration":"90000",
				"hs_call_from_number":"+14155550100",
				"hs_call_to_number":"1001",
				"hs_call_status":"COMPLETED",
				"hs_call_recording_url":"https://switchboard.test/recordings/tok123",
				"hubspot_owner_id":"361"},
			"associations":[
				{"to":{"id":"512"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":194}]},
				{"to":{"id":"4711"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":220}]}]}`, got[0].Body)
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				res := run(t, c, "CallJournal", call.vars)
				got := hd.take()
				if call.start.IsZero() {
					require.Empty(t, got, "HubSpot requires hs_timestamp: a call with no time is not logged")
					require.True(t, res.Trace[0].Skipped)
					return
				}
				require.Len(t, got, 1)
				p := gjson.Get(got[0].Body, "properties")
				require.Equal(t, call.start.UTC().Format("2006-01-02T15:04:05.000Z"), p.Get("hs_timestamp").String(), "the start, else the hangup")
				direction := map[string]string{"Inbound": "INBOUND", "Outbound": "OUTBOUND"}[call.vars["Communication_Type"]]
				require.Equal(t, direction, p.Get("hs_call_direction").String())
				status := "NO_ANSWER"
				if call.vars["CallDisposition"] == "ANSWERED" {
					status = "COMPLETED"
				}
				require.Equal(t, status, p.Get("hs_call_status").String())
				require.Equal(t, fmt.Sprint(1000*mustAtoi(t, call.vars["Talk_Duration_Sec"])), p.Get("hs_call_duration").String(), "milliseconds")
				require.Equal(t, call.vars["CallerNumber"], p.Get("hs_call_from_number").String())
				require.Equal(t, call.vars["CalleeNumber"], p.Get("hs_call_to_number").String())
				require.Regexp(t, number, p.Get("hs_call_from_number").String())
				require.Regexp(t, number, p.Get("hs_call_to_number").String())
				require.Equal(t, call.vars["RecordPath"], p.Get("hs_call_recording_url").String())
				for _, v := range p.Map() {
					require.Equal(t, gjson.String, v.Type, "HubSpot's properties are strings")
				}
				require.JSONEq(t, `[{"to":{"id":"17"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":194}]}]`,
					gjson.Get(got[0].Body, "associations").Raw, "no ticket: the contact only")
			})
		}
	})

	t.Run("journal details", func(t *testing.T) {
		vars := callVars()
		vars["RecordPath"], vars["CallDisposition"], vars["ContactId"], vars["CrmId"] = "http://pbx.local/rec.wav", "BUSY", "", ""
		run(t, c, "CallJournal", vars)
		body := hd.take()[0].Body
		require.False(t, gjson.Get(body, "properties.hs_call_recording_url").Exists(), "HubSpot takes HTTPS recordings only")
		require.Equal(t, "BUSY", gjson.Get(body, "properties.hs_call_status").String())
		require.False(t, gjson.Get(body, "properties.hubspot_owner_id").Exists())
		require.JSONEq(t, `[]`, gjson.Get(body, "associations").Raw, "logged on the calls page, on no record")

		vars = callVars()
		vars["TicketId"] = "4711"
		run(t, c, "CallJournal", vars)
		require.JSONEq(t, `[{"to":{"id":"4711"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":220}]}]`,
			gjson.Get(hd.take()[0].Body, "associations").Raw, "the ticket only")
	})
}

// HubSpot's owners come a page at a time; paging.next.after is the next
// page's cursor, sent back as after.
func TestHubSpotOwnersPageByPage(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch after := r.URL.Query().Get("after"); {
		case r.URL.Path != "/crm/v3/owners/":
			w.WriteHeader(http.StatusNotFound)
		case after == "":
			fmt.Fprint(w, `{"results":[{"id":"361","email":"bob@acme.test","firstName":"Bob","lastName":"Agent","archived":false,
				"createdAt":"2019-12-25T13:01:35.228Z","updatedAt":"2023-08-22T13:40:26.790Z"}],
				"paging":{"next":{"after":"NTI1Cg%3D%3D","link":"?after=NTI1Cg%3D%3D"}}}`)
		case after == "NTI1Cg%3D%3D":
			fmt.Fprint(w, `{"results":[{"id":"362","email":"cy@acme.test","firstName":"Cy","lastName":"Support","archived":false,
				"createdAt":"2019-12-25T13:01:35.228Z","updatedAt":"2023-08-22T13:40:26.790Z"}]}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	c := client(t, "hubspot.xml", engine.Vars{"base_url": srv.URL, "access_token": hubspotToken, "ticket_pipeline": "0", "ticket_stage": "1"}, "")
	users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
	require.NoError(t, err)
	require.Len(t, users, 2)
	require.Equal(t, "362", users[1].ID)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"limit=100&archived=false", "limit=100&archived=false&after=NTI1Cg%253D%253D"}, queries,
		"the cursor goes back as HubSpot gave it, URL-encoded")
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err, s)
	return n
}
