package examples_test

import (
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

// zohocrmToken is an access token as Zoho Accounts hands them out.
const zohocrmToken = "1000.8cb99dxxxxxxxxxxxxx9be93.9b8xxxxxxxxxxxxxxxf"

// Zoho's record ids are long numbers, sent and answered as strings.
const (
	zohocrmContact = "4876876000000624046"
	zohocrmCaseID  = "4876876000000731001"
	zohocrmBob     = "4876876000000225013"
)

// The answers of Zoho CRM's API reference, in the shapes of its OpenAPI
// documents (testdata/zoho-crm-*): records under "data" with the module's
// fields by API name and lookups as {name, id}, "info" for the page;
// users under "users"; what is written as data[].details.id.
const (
	zohocrmFound = `{"data":[{"Account_Name":{"name":"Acme","id":"4876876000000624001"},"Email":"ann@acme.test",
		"First_Name":"Ann","Last_Name":"Lee","Mobile":"+14155550102","Phone":"+14155550100","id":"` + zohocrmContact + `"}],
		"info":{"per_page":10,"count":1,"page":1,"sort_by":"id","sort_order":"desc","more_records":false}}`
	zohocrmUsers = `{"users":[
		{"country":"US","role":{"name":"CEO","id":"4876876000000026005"},"profile":{"name":"Administrator","id":"4876876000000026011"},
		 "first_name":"Bob","last_name":"Agent","full_name":"Bob Agent","email":"bob@acme.test","status":"active","id":"` + zohocrmBob + `"},
		{"country":"US","role":{"name":"Manager","id":"4876876000000026008"},"profile":{"name":"Standard","id":"4876876000000026014"},
		 "first_name":"Cy","last_name":"Support","full_name":"Cy Support","email":"cy@acme.test","status":"active","id":"4876876000000225014"}],
		"info":{"per_page":200,"count":2,"page":1,"more_records":false}}`
)

func zohocrmWritten(id, message string) reply {
	return reply{201, `{"data":[{"code":"SUCCESS","details":{"Modified_Time":"2026-11-21T10:00:01+00:00",
		"Modified_By":{"name":"Bob Agent","id":"` + zohocrmBob + `"},"Created_Time":"2026-11-21T10:00:01+00:00","id":"` + id + `",
		"Created_By":{"name":"Bob Agent","id":"` + zohocrmBob + `"}},"message":"` + message + `","status":"success"}]}`}
}

// zohocrmFields are the integration's fields, the API domain and the
// accounts server at the local Zoho.
func zohocrmFields(hd *helpdesk) engine.Vars {
	return engine.Vars{"base_url": hd.URL, "accounts_url": hd.URL, "crm_url": "https://crm.zoho.eu/crm/org20071234",
		"client_id": "1000.CLIENTID0123456789", "client_secret": "zoho-client-secret"}
}

// TestZohoCRM drives the Zoho CRM example through a call's life: the
// connection check, the caller's lookup by number, the agent's search,
// the users, a contact, a case updated at hangup, and the call logged on
// the contact and the case.
func TestZohoCRM(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /crm/v8/users":                     {200, zohocrmUsers},
		"GET /crm/v8/Contacts/search":           {200, zohocrmFound},
		"POST /crm/v8/Contacts":                 zohocrmWritten("4876876000000624100", "record added"),
		"POST /crm/v8/Cases":                    zohocrmWritten(zohocrmCaseID, "record added"),
		"PUT /crm/v8/Cases/" + zohocrmCaseID:    zohocrmWritten(zohocrmCaseID, "record updated"),
		"PUT /crm/v8/Cases/4876876000000731999": zohocrmWritten("4876876000000731999", "record updated"),
		"POST /crm/v8/Calls":                    zohocrmWritten("4876876000000800001", "record added"),
	})
	c := client(t, "zohocrm.xml", zohocrmFields(hd), zohocrmToken)
	// Zoho's scheme, not Bearer; every request but a GET has a JSON body.
	requireHeaders := jsonAPI{want: map[string]string{"Authorization": "Zoho-oauthtoken " + zohocrmToken, "Accept": "application/json"},
		bodyMethods: []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}}.check

	t.Run("connection check", func(t *testing.T) {
		res := run(t, c, "GetGlobalInfo", nil)
		got := hd.takeOne(t, http.MethodGet, "/crm/v8/users")
		require.Equal(t, "type=CurrentUser", got[0].Query)
		requireHeaders(t, got)
		require.Equal(t, "Zoho-oauthtoken ****", res.Trace[0].RequestHeaders["Authorization"], "the token is masked in traces")
	})

	t.Run("lookup by phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, zohocrmContact, row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+14155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, "Acme", row["Company"], "the account lookup's name")
		require.Equal(t, "https://crm.zoho.eu/crm/org20071234/tab/Contacts/"+zohocrmContact, contacts[0].URL)

		got := hd.takeOne(t, http.MethodGet, "/crm/v8/Contacts/search")
		requireHeaders(t, got)
		require.Equal(t, "+14155550100", queryValue(t, got[0].Query, "phone"), "the number as the PBX gives it (E.164)")
		require.Contains(t, got[0].Query, "phone=%2B14155550100", "+ encoded")
		require.Equal(t, "First_Name,Last_Name,Email,Phone,Mobile,Account_Name", queryValue(t, got[0].Query, "fields"))
		require.Equal(t, "10", queryValue(t, got[0].Query, "per_page"))
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
		require.Equal(t, zohocrmContact, contacts[0].Values["ContactsId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/crm/v8/Contacts/search", got[0].Path)
		requireHeaders(t, got)
		require.Equal(t, `Ann "the caller"`, queryValue(t, got[0].Query, "word"))
		require.Empty(t, queryValue(t, got[0].Query, "phone"))
		require.Equal(t, "20", queryValue(t, got[0].Query, "per_page"))
	})

	t.Run("users", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: zohocrmBob, FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
			{ID: "4876876000000225014", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"},
		}, users)
		got := hd.take()
		require.Len(t, got, 1, "fewer than 200 users: one page")
		require.Equal(t, "/crm/v8/users", got[0].Path)
		require.Equal(t, "type=ActiveUsers&page=1&per_page=200", got[0].Query)
		require.Empty(t, got[0].Body)
		requireHeaders(t, got)
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "4876876000000624100", res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/crm/v8/Contacts")
		requireHeaders(t, got)
		require.JSONEq(t, `{"data":[{"First_Name":"Ann","Last_Name":"Lee \"the caller\"","Phone":"+14155550100"}]}`, got[0].Body)

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "dana@example.com"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"data":[{"First_Name":"Caller","Last_Name":"+14155550100","Phone":"+14155550100","Email":"dana@example.com"}]}`,
			hd.take()[0].Body, "a caller without a name")

		vars = callVars()
		vars["LastName"] = ""
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"data":[{"Last_Name":"Ann","Phone":"+14155550100"}]}`, hd.take()[0].Body, "one name: Last_Name is the mandatory one")
	})

	t.Run("case on the contact, updated at hangup", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = zohocrmContact, zohocrmBob
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, zohocrmCaseID, res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireHeaders(t, got)
		require.Equal(t, http.MethodPost, got[0].Method)
		require.Equal(t, "/crm/v8/Cases", got[0].Path)
		require.JSONEq(t, `{"data":[{
				"Subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
				"Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30",
				"Case_Origin":"Phone","Status":"New","Phone":"+14155550100",
				"Contact_Name":{"id":"`+zohocrmContact+`"},"Owner":{"id":"`+zohocrmBob+`"}}]}`, got[0].Body)
		require.Equal(t, http.MethodPut, got[1].Method)
		require.Equal(t, "/crm/v8/Cases/"+zohocrmCaseID, got[1].Path, "UpdateTicket: the case just made")
		require.JSONEq(t, `{"data":[{"Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"}]}`,
			got[1].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": zohocrmCaseID})
		require.NoError(t, err)
		require.Equal(t, "https://crm.zoho.eu/crm/org20071234/tab/Cases/"+zohocrmCaseID, url)
	})

	t.Run("case without a known contact or owner", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = "", "bob@acme.test"
		run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
		body := hd.take()[0].Body
		require.False(t, gjson.Get(body, "data.0.Contact_Name").Exists())
		require.False(t, gjson.Get(body, "data.0.Owner").Exists(), "a user id is a number")

		vars["TicketId"] = "4876876000000731999"
		run(t, c, "CreateNewTicket", vars, "UpdateTicket")
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/crm/v8/Cases/4876876000000731999", got[0].Path, "a case opened at ringing, updated at hangup")
	})

	t.Run("call journal on the contact and the case", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["TicketId"], vars["CrmId"] = zohocrmContact, zohocrmCaseID, zohocrmBob
		run(t, c, "CallJournal", vars)
		got := hd.takeOne(t, http.MethodPost, "/crm/v8/Calls")
		requireHeaders(t, got)
		require.JSONEq(t, `{"data":[{
				"Subject":"Inbound call Completed",
				"Call_Type":"Inbound",
				"Call_Start_Time":"2026-11-21T10:00:00+00:00",
				"Call_Duration":"01:30",
				"Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30\nRecording: https://switchboard.test/recordings/tok123",
				"Who_Id":{"id":"`+zohocrmContact+`"},
				"What_Id":{"id":"`+zohocrmCaseID+`"},"$se_module":"Cases",
				"Owner":{"id":"`+zohocrmBob+`"}}]}`, got[0].Body)
	})

	t.Run("journal of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				res := run(t, c, "CallJournal", call.vars)
				got := hd.take()
				if call.start.IsZero() {
					require.Empty(t, got, "Call_Start_Time is mandatory: a call with no time is not logged")
					require.True(t, res.Trace[0].Skipped)
					return
				}
				require.Len(t, got, 1)
				d := gjson.Get(got[0].Body, "data.0")
				require.Equal(t, call.start.UTC().Format("2006-01-02T15:04:05+00:00"), d.Get("Call_Start_Time").String(), "the start, else the hangup")
				want := "Inbound"
				switch {
				case call.vars["Communication_Type"] == "Outbound":
					want = "Outbound"
				case call.vars["CallDisposition"] != "ANSWERED":
					want = "Missed"
				}
				require.Equal(t, want, d.Get("Call_Type").String())
				if want == "Missed" {
					require.False(t, d.Get("Call_Duration").Exists(), "a missed call has no duration")
				} else {
					sec := mustAtoi(t, call.vars["Talk_Duration_Sec"])
					require.Equal(t, fmt.Sprintf("%02d:%02d", sec/60, sec%60), d.Get("Call_Duration").String(), "minutes:seconds")
				}
				require.Equal(t, want == "Outbound", d.Get("Outbound_Call_Status").Exists())
				require.Contains(t, d.Get("Description").String(), "\nRecording: "+call.vars["RecordPath"])
				require.JSONEq(t, `{"id":"17"}`, d.Get("Who_Id").Raw)
				require.False(t, d.Get("What_Id").Exists(), "no case")
				require.False(t, d.Get(`\$se_module`).Exists())
				require.JSONEq(t, `{"id":"361"}`, d.Get("Owner").Raw)
			})
		}
	})

	t.Run("journal on no record", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"], vars["RecordPath"], vars["Talk_Duration_Sec"] = "", "", "", "3725"
		run(t, c, "CallJournal", vars)
		d := gjson.Get(hd.take()[0].Body, "data.0")
		require.False(t, d.Get("Who_Id").Exists())
		require.False(t, d.Get("Owner").Exists())
		require.NotContains(t, d.Get("Description").String(), "Recording")
		require.Equal(t, "62:05", d.Get("Call_Duration").String(), "minutes past the hour stay minutes")
	})
}

// Nothing found: Zoho answers 204 with no body, which is no contact, not
// an error.
func TestZohoCRMLookupFindsNobody(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{"GET /crm/v8/Contacts/search": {204, ""}})
	c := client(t, "zohocrm.xml", zohocrmFields(hd), zohocrmToken)
	contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
	require.NoError(t, res.Err)
	require.Empty(t, contacts)
	require.Len(t, hd.take(), 1)
}

// Zoho's users come 200 a page; a full page asks for the next, and a page
// past the last answers 204.
func TestZohoCRMUsersPageByPage(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path != "/crm/v8/users" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.URL.Query().Get("page") != "1" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		users := make([]map[string]any, 200)
		for i := range users {
			users[i] = map[string]any{"id": fmt.Sprint(4876876000000225000 + i), "first_name": "User", "last_name": fmt.Sprint(i),
				"email": fmt.Sprintf("u%d@acme.test", i), "status": "active"}
		}
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(map[string]any{"users": users,
			"info": map[string]any{"per_page": 200, "count": 200, "page": 1, "more_records": false}}))
	}))
	defer srv.Close()
	c := client(t, "zohocrm.xml", engine.Vars{"base_url": srv.URL, "accounts_url": srv.URL, "crm_url": "https://crm.zoho.com/crm",
		"client_id": "1000.CLIENTID0123456789", "client_secret": "zoho-client-secret"}, zohocrmToken)
	users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
	require.NoError(t, err)
	require.Len(t, users, 200)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"type=ActiveUsers&page=1&per_page=200", "type=ActiveUsers&page=2&per_page=200"}, queries,
		"exactly 200: the next page is asked, and its 204 ends the list")
}
