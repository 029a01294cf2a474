package examples_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

const (
	dynToken   = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.dynamics.access"
	dynContact = "465b158c-541c-e511-80d3-3863bb347ba8"
	dynUser    = "5d2a5f0b-8a2c-ef11-840a-000d3a5b1c22"
	dynCase    = "0d9e2c8f-6b3e-ef11-8409-000d3a5b1c22"
)

// The answers of the Dataverse Web API reference: an OData collection
// {"@odata.context", "value":[…]}, WhoAmI's ids, and a record created with
// Prefer: return=representation.
const (
	dynWhoAmI = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
		"BusinessUnitId":"6f202e6c-e471-ec11-8941-000d3a3aa9a9","UserId":"` + dynUser + `","OrganizationId":"883278f5-07af-45eb-a0bc-3fea67caa544"}`
	dynFound = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#contacts(contactid,firstname,lastname,emailaddress1,telephone1,telephone2,mobilephone)",
		"value":[{"@odata.etag":"W/\"3394634\"","contactid":"` + dynContact + `","firstname":"Ann","lastname":"Lee","emailaddress1":"ann@acme.test",
		"telephone1":"+1 4155550100","telephone2":null,"mobilephone":"+14155550102"}]}`
	dynUsers = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#systemusers(systemuserid,firstname,lastname,internalemailaddress)",
		"value":[{"@odata.etag":"W/\"1\"","systemuserid":"` + dynUser + `","firstname":"Bob","lastname":"Agent","internalemailaddress":"bob@acme.test"},
		{"@odata.etag":"W/\"2\"","systemuserid":"5d2a5f0b-8a2c-ef11-840a-000d3a5b1c23","firstname":"Cy","lastname":"Support","internalemailaddress":"cy@acme.test"}]}`
	// Created with Prefer: return=representation and $select: the ids asked for.
	dynContactCreated = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#contacts(contactid)/$entity","@odata.etag":"W/\"1\"","contactid":"7d577253-3ef0-4a0a-bb7f-8335c2596e70"}`
	dynCaseCreated    = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#incidents(incidentid,ticketnumber)/$entity","@odata.etag":"W/\"1\"","incidentid":"` + dynCase + `","ticketnumber":"CAS-01001-Z5X6Y7"}`
)

func dynFields(org string) engine.Vars {
	return engine.Vars{"org_url": org, "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"client_id": "51f81489-12ee-4a9e-aaae-a2591f45987d", "client_secret": "dyn~client.secret", "api_version": "9.2"}
}

var requireDynamicsHeaders = jsonAPI{want: map[string]string{"Authorization": "Bearer " + dynToken, "Accept": "application/json",
	"OData-Version": "4.0", "OData-MaxVersion": "4.0"}, contentType: "application/json; charset=utf-8"}.check

// TestDynamics drives the Dynamics 365 example through a call's life
// against a local Dataverse: WhoAmI, the caller's lookup by $filter, the
// agent's search, the users, a contact, a case with its note at hangup, and
// the call logged as a phone call activity.
func TestDynamics(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /api/data/v9.2/WhoAmI":       {200, dynWhoAmI},
		"GET /api/data/v9.2/contacts":     {200, dynFound},
		"GET /api/data/v9.2/systemusers":  {200, dynUsers},
		"POST /api/data/v9.2/contacts":    {201, dynContactCreated},
		"POST /api/data/v9.2/incidents":   {201, dynCaseCreated},
		"POST /api/data/v9.2/annotations": {204, ``},
		"POST /api/data/v9.2/phonecalls":  {204, ``},
	})
	c := client(t, "dynamics365.xml", dynFields(hd.URL), dynToken)

	t.Run("WhoAmI", func(t *testing.T) {
		res := run(t, c, "GetGlobalInfo", nil)
		require.Equal(t, "883278f5-07af-45eb-a0bc-3fea67caa544", res.Vars["OrganizationId"])
		require.Equal(t, dynUser, res.Vars["ConnectedUserId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, http.MethodGet, got[0].Method)
		requireDynamicsHeaders(t, got)
		require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"])
	})

	t.Run("lookup by phone, mobile and home phone", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, dynContact, row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "+1 4155550100", row["BusinessNumber"])
		require.Equal(t, "+14155550102", row["MobileNumber"])
		require.Equal(t, hd.URL+"/main.aspx?pagetype=entityrecord&etn=contact&id="+dynContact, contacts[0].URL)

		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/api/data/v9.2/contacts", got[0].Path)
		requireDynamicsHeaders(t, got)
		q, err := url.ParseQuery(got[0].Query)
		require.NoError(t, err)
		require.Equal(t, "contactid,firstname,lastname,emailaddress1,telephone1,telephone2,mobilephone", q.Get("$select"))
		require.Equal(t, "10", q.Get("$top"))
		require.Equal(t, "statecode eq 0 and (telephone1 eq '+14155550100' or mobilephone eq '+14155550100' or telephone2 eq '+14155550100'"+
			" or endswith(telephone1,'4155550100') or endswith(mobilephone,'4155550100') or endswith(telephone2,'4155550100'))", q.Get("$filter"),
			"the E.164 number as given, or its last ten digits")
	})

	t.Run("lookup of a short number", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = "1001"
		run(t, c, "SyncContactAuto", vars)
		got := hd.take()
		require.Equal(t, "statecode eq 0 and (telephone1 eq '1001' or mobilephone eq '1001' or telephone2 eq '1001')", queryValue(t, got[0].Query, "$filter"),
			"no endswith on fewer than seven digits")
		vars["Phone"] = ""
		res := run(t, c, "SyncContactAuto", vars)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("agent's search, quotes doubled and wildcards bracketed", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, `Ann "the caller" O'Hara 50%_[x]`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		got := hd.take()
		require.Len(t, got, 1)
		requireDynamicsHeaders(t, got)
		s := `Ann "the caller" O''Hara 50[%][_][[]x]`
		require.Equal(t, "statecode eq 0 and (contains(fullname,'"+s+"') or contains(emailaddress1,'"+s+"') or contains(telephone1,'"+s+"') or contains(mobilephone,'"+s+"'))",
			queryValue(t, got[0].Query, "$filter"))
		require.Equal(t, "20", queryValue(t, got[0].Query, "$top"))
	})

	t.Run("users", func(t *testing.T) {
		users, _, err := scenarios.SyncUsers(t.Context(), c, nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: dynUser, FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
			{ID: "5d2a5f0b-8a2c-ef11-840a-000d3a5b1c23", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"},
		}, users)
		got := hd.take()
		require.Len(t, got, 1, "no @odata.nextLink: one page")
		requireDynamicsHeaders(t, got)
		require.Equal(t, "odata.maxpagesize=100", got[0].Header.Get("Prefer"))
		require.Equal(t, "isdisabled eq false and accessmode ne 4", queryValue(t, got[0].Query, "$filter"))
		require.Equal(t, "systemuserid,firstname,lastname,internalemailaddress", queryValue(t, got[0].Query, "$select"))
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, "7d577253-3ef0-4a0a-bb7f-8335c2596e70", res.Vars["ContactId"])
		got := hd.take()
		require.Len(t, got, 1)
		requireDynamicsHeaders(t, got)
		require.Equal(t, "return=representation", got[0].Header.Get("Prefer"))
		require.Equal(t, "contactid", queryValue(t, got[0].Query, "$select"))
		require.JSONEq(t, `{"firstname":"Ann","lastname":"Lee \"the caller\"","telephone1":"+14155550100"}`, got[0].Body)

		vars := callVars()
		vars["FirstName"], vars["LastName"] = "", ""
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"firstname":"Caller","lastname":"+14155550100","telephone1":"+14155550100"}`, hd.take()[0].Body)
	})

	t.Run("case, and its note at hangup", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = dynContact, dynUser
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, dynCase, res.Vars["TicketId"])
		require.Equal(t, "CAS-01001-Z5X6Y7", res.Vars["TicketNumber"])
		got := hd.take()
		require.Len(t, got, 2)
		requireDynamicsHeaders(t, got)
		require.Equal(t, "/api/data/v9.2/incidents", got[0].Path)
		require.Equal(t, "return=representation", got[0].Header.Get("Prefer"))
		require.JSONEq(t, `{"title":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
			"description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30",
			"caseorigincode":1,"customerid_contact@odata.bind":"/contacts(`+dynContact+`)","ownerid@odata.bind":"/systemusers(`+dynUser+`)"}`, got[0].Body)
		require.Equal(t, "/api/data/v9.2/annotations", got[1].Path)
		require.JSONEq(t, `{"subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
			"notetext":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30",
			"objectid_incident@odata.bind":"/incidents(`+dynCase+`)"}`, got[1].Body)

		u, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": dynCase})
		require.NoError(t, err)
		require.Equal(t, hd.URL+"/main.aspx?pagetype=entityrecord&etn=incident&id="+dynCase, u)
	})

	t.Run("no case without the caller's contact", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"] = ""
		res := run(t, c, "CreateNewTicket", vars)
		require.True(t, res.Trace[0].Skipped, "an incident needs its customer")
		require.True(t, res.Trace[1].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("phone call on the case, from the contact to the agent", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["TicketId"], vars["CrmId"] = dynContact, dynCase, dynUser
		run(t, c, "CallJournal", vars)
		got := hd.takeOne(t, http.MethodPost, "/api/data/v9.2/phonecalls")
		requireDynamicsHeaders(t, got)
		require.JSONEq(t, `{"subject":"Inbound call Completed",
			"description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30\nRecording: https://switchboard.test/recordings/tok123",
			"phonenumber":"+14155550100","directioncode":false,"actualdurationminutes":2,"leftvoicemail":false,
			"actualstart":"2026-11-21T10:00:00Z","actualend":"2026-11-21T10:01:35Z","statecode":1,"statuscode":4,
			"regardingobjectid_incident@odata.bind":"/incidents(`+dynCase+`)","ownerid@odata.bind":"/systemusers(`+dynUser+`)",
			"phonecall_activity_parties":[
				{"partyid_contact@odata.bind":"/contacts(`+dynContact+`)","participationtypemask":1},
				{"partyid_systemuser@odata.bind":"/systemusers(`+dynUser+`)","participationtypemask":2}]}`, got[0].Body)
	})

	t.Run("phone call of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["ContactId"], vars["CrmId"] = dynContact, dynUser
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1)
				require.True(t, json.Valid([]byte(got[0].Body)), got[0].Body)
				b := gjson.Parse(got[0].Body)
				out := vars["Communication_Type"] == "Outbound"
				require.Equal(t, out, b.Get("directioncode").Bool())
				require.Equal(t, vars["CallDisposition"] == "VOICEMAIL", b.Get("leftvoicemail").Bool())
				talk := mustAtoi(t, vars["Talk_Duration_Sec"])
				require.EqualValues(t, (talk+59)/60, b.Get("actualdurationminutes").Int(), "whole minutes, rounded up")
				if call.start.IsZero() {
					require.False(t, b.Get("actualstart").Exists())
				}
				require.Equal(t, "/contacts("+dynContact+")", b.Get(`regardingobjectid_contact@odata\.bind`).String(), "no case: regarding the contact")
				contactMask, userMask := int64(1), int64(2)
				if out {
					contactMask, userMask = 2, 1
				}
				parties := b.Get("phonecall_activity_parties").Array()
				require.Len(t, parties, 2)
				require.Equal(t, contactMask, parties[0].Get("participationtypemask").Int())
				require.Equal(t, userMask, parties[1].Get("participationtypemask").Int())
				require.Equal(t, vars["Phone"], b.Get("phonenumber").String())
			})
		}
	})

	t.Run("phone call with nobody known", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"], vars["TicketId"] = "", "361", ""
		run(t, c, "CallJournal", vars)
		b := gjson.Parse(hd.take()[0].Body)
		require.JSONEq(t, `[]`, b.Get("phonecall_activity_parties").Raw)
		require.False(t, b.Get(`ownerid@odata\.bind`).Exists())
		require.False(t, b.Get(`regardingobjectid_contact@odata\.bind`).Exists())
	})
}

// Dataverse pages with Prefer: odata.maxpagesize; @odata.nextLink is the
// next page's whole URL, sent back as it is.
func TestDynamicsUsersPageByPage(t *testing.T) {
	var mu sync.Mutex
	var uris []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("$skiptoken") == "" {
			fmt.Fprintf(w, `{"value":[{"systemuserid":"%s","firstname":"Bob","lastname":"Agent","internalemailaddress":"bob@acme.test"}],
				"@odata.nextLink":"%s/api/data/v9.2/systemusers?$select=systemuserid,firstname,lastname,internalemailaddress&$skiptoken=%%3Ccookie%%20pagenumber=%%222%%22%%20pagingcookie=%%22%%253ccookie%%2520page%%253d%%25221%%2522%%253e%%253c%%252fcookie%%253e%%22%%20istracking=%%22False%%22%%20/%%3E"}`, dynUser, srv.URL)
			return
		}
		fmt.Fprint(w, `{"value":[{"systemuserid":"5d2a5f0b-8a2c-ef11-840a-000d3a5b1c23","firstname":"Cy","lastname":"Support","internalemailaddress":"cy@acme.test"}]}`)
	}))
	defer srv.Close()
	users, _, err := scenarios.SyncUsers(t.Context(), client(t, "dynamics365.xml", dynFields(srv.URL), dynToken), nil)
	require.NoError(t, err)
	require.Len(t, users, 2)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, uris, 2)
	require.Equal(t, "/api/data/v9.2/systemusers?$select=systemuserid,firstname,lastname,internalemailaddress&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E",
		uris[1], "the next link as Dataverse gave it")
}

// The authorize URL of Entra ID: the tenant's v2.0 endpoint, the
// environment's .default scope with offline_access, response_mode=query.
func TestDynamicsAuthorizeURL(t *testing.T) {
	data, err := os.ReadFile("dynamics365.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("dynamics365.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	o, err := auth.NewOAuth2(tmpl, dynFields("https://acme.crm.dynamics.com"), auth.Options{})
	require.NoError(t, err)
	u, err := o.AuthorizeURL("https://switchboard.test/integration/callback/api/crm/9/", "st4te")
	require.NoError(t, err)
	au, err := url.Parse(u)
	require.NoError(t, err)
	require.Equal(t, "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize", au.Scheme+"://"+au.Host+au.Path)
	q := au.Query()
	require.Equal(t, "https://acme.crm.dynamics.com/.default offline_access", q.Get("scope"))
	require.Equal(t, "51f81489-12ee-4a9e-aaae-a2591f45987d", q.Get("client_id"))
	require.Equal(t, "code", q.Get("response_type"))
	require.Equal(t, "query", q.Get("response_mode"))
	require.Equal(t, "https://switchboard.test/integration/callback/api/crm/9/", q.Get("redirect_uri"))
	require.NotContains(t, u, "dyn~client.secret")
}
