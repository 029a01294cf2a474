package examples_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// Salesforce ids as the REST API gives them: 18 characters, the first three
// naming the object (003 Contact, 005 User, 500 Case, 00T Task).
const (
	sfToken   = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nh5tY4KVQzJ_9Fe4Ge2jf"
	sfContact = "003xx000004TmiQAAS"
	sfUser    = "005xx000001X7sfAAC"
	sfCase    = "500xx000000bZ8AAAU"
	// The records the API creates: a contact, a case comment, a call task.
	sfNewContact = "003xx000004TmiRAAS"
	sfComment    = "00axx000000bZ9AAAU"
	sfTask       = "00Txx000001Tb4AAAS"
)

// The answers of Salesforce's REST API Developer Guide: a query's
// {totalSize, done, records[] with attributes}, a search's {searchRecords[]},
// a create's {id, success, errors}.
const (
	sfOrganization = `{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Organization","url":"/services/data/v62.0/sobjects/Organization/00Dxx0000001gPLEAY"},
		"Id":"00Dxx0000001gPLEAY","Name":"Acme"}]}`
	sfFound = `{"searchRecords":[{"attributes":{"type":"Contact","url":"/services/data/v62.0/sobjects/Contact/003xx000004TmiQAAS"},
		"Id":"003xx000004TmiQAAS","FirstName":"Ann","LastName":"Lee","Email":"ann@acme.test","Phone":"(415) 555-0100","MobilePhone":"+1 415 555 0102",
		"Account":{"attributes":{"type":"Account","url":"/services/data/v62.0/sobjects/Account/001xx000003DGb2AAG"},"Name":"Acme"}}]}`
	sfUsers = `{"totalSize":2,"done":true,"records":[
		{"attributes":{"type":"User","url":"/services/data/v62.0/sobjects/User/005xx000001X7sfAAC"},"Id":"005xx000001X7sfAAC","FirstName":"Bob","LastName":"Agent","Email":"bob@acme.test"},
		{"attributes":{"type":"User","url":"/services/data/v62.0/sobjects/User/005xx000001X7sgAAC"},"Id":"005xx000001X7sgAAC","FirstName":"Cy","LastName":"Support","Email":"cy@acme.test"}]}`
)

func sfCreated(id string) reply {
	return reply{201, `{"id":"` + id + `","success":true,"errors":[]}`}
}

func sfFields(instance string) engine.Vars {
	return engine.Vars{"instance_url": instance, "login_url": instance, "client_id": "3MVG9sfConsumerKey",
		"client_secret": "sf-consumer-secret", "api_version": "62.0"}
}

// sfQuery is the q parameter of a received request: the SOQL or SOSL text.
func sfQuery(t *testing.T, r received) string {
	t.Helper()
	return queryValue(t, r.Query, "q")
}

var requireSalesforceHeaders = jsonAPI{want: map[string]string{"Authorization": "Bearer " + sfToken, "Accept": "application/json"}}.check

// TestSalesforce drives the Salesforce example through a call's life against
// a local instance: the organization, the caller's lookup by SOSL, the
// agent's search, the users, a contact, a case with its comment at hangup,
// and the call logged as a task.
func TestSalesforce(t *testing.T) {
	hd := newHelpdesk(t, map[string]reply{
		"GET /services/data/v62.0/query":                  {200, sfOrganization},
		"GET /services/data/v62.0/search":                 {200, sfFound},
		"POST /services/data/v62.0/sobjects/Contact/":     sfCreated(sfNewContact),
		"POST /services/data/v62.0/sobjects/Case/":        sfCreated(sfCase),
		"POST /services/data/v62.0/sobjects/CaseComment/": sfCreated(sfComment),
		"POST /services/data/v62.0/sobjects/Task/":        sfCreated(sfTask),
	})
	c := client(t, "salesforce.xml", sfFields(hd.URL), sfToken)

	t.Run("organization", func(t *testing.T) {
		res := run(t, c, "GetGlobalInfo", nil)
		require.Equal(t, "00Dxx0000001gPLEAY", res.Vars["OrganizationId"])
		require.Equal(t, "Acme", res.Vars["OrganizationName"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, http.MethodGet, got[0].Method)
		require.Equal(t, "SELECT Id, Name FROM Organization LIMIT 1", sfQuery(t, got[0]))
		requireSalesforceHeaders(t, got)
		require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"], "the token is masked in traces")
	})

	t.Run("lookup by the number's digits in phone fields", func(t *testing.T) {
		contacts, res := scenarios.LookupContacts(t.Context(), c, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		row := contacts[0].Values
		require.Equal(t, sfContact, row["ContactsId"])
		require.Equal(t, "Ann", row["FirstName"])
		require.Equal(t, "Lee", row["LastName"])
		require.Equal(t, "ann@acme.test", row["Email"])
		require.Equal(t, "(415) 555-0100", row["BusinessNumber"])
		require.Equal(t, "+1 415 555 0102", row["MobileNumber"])
		require.Equal(t, "Acme", row["Company"], "the account's name")
		require.Equal(t, hd.URL+"/lightning/r/Contact/"+sfContact+"/view", contacts[0].URL)

		got := hd.takeOne(t, http.MethodGet, "/services/data/v62.0/search")
		requireSalesforceHeaders(t, got)
		require.Equal(t, "FIND {14155550100 OR 4155550100} IN PHONE FIELDS RETURNING Contact(Id, FirstName, LastName, Email, Phone, MobilePhone, Account.Name LIMIT 10)",
			sfQuery(t, got[0]), "the E.164 number's digits, and its last ten: no reserved character reaches SOSL")
		require.NotContains(t, got[0].Query, "+", "spaces are percent-encoded, not '+'")
	})

	t.Run("numbers of other lengths", func(t *testing.T) {
		for number, find := range map[string]string{
			"4155550100":     "FIND {4155550100} IN",
			"+442071838750":  "FIND {442071838750 OR 2071838750} IN",
			"1001":           "FIND {1001} IN",
			"(415) 555-0100": "FIND {4155550100} IN",
		} {
			vars := callVars()
			vars["Phone"] = number
			run(t, c, "SyncContactAuto", vars)
			got := hd.take()
			require.Len(t, got, 1)
			require.True(t, strings.HasPrefix(sfQuery(t, got[0]), find), "%s: %s", number, sfQuery(t, got[0]))
		}
	})

	t.Run("no number, no lookup", func(t *testing.T) {
		vars := callVars()
		vars["Phone"] = "anonymous"
		res := run(t, c, "SyncContactAuto", vars)
		require.Empty(t, res.Rows)
		require.True(t, res.Trace[0].Skipped)
		require.Empty(t, hd.take())
	})

	t.Run("agent's search, reserved characters escaped", func(t *testing.T) {
		contacts, res := scenarios.SearchContacts(t.Context(), c, `Ann "the caller" {x} O'Hara-Lee*`, callVars(), nil)
		require.NoError(t, res.Err)
		require.Len(t, contacts, 1)
		require.Equal(t, sfContact, contacts[0].Values["ContactsId"])
		got := hd.take()
		require.Len(t, got, 1)
		require.Equal(t, "/services/data/v62.0/search", got[0].Path)
		requireSalesforceHeaders(t, got)
		require.Equal(t, `FIND {Ann \"the caller\" \{x\} O\'Hara\-Lee\*} IN ALL FIELDS RETURNING Contact(Id, FirstName, LastName, Email, Phone, MobilePhone, Account.Name LIMIT 20)`,
			sfQuery(t, got[0]))
	})

	t.Run("users", func(t *testing.T) {
		hd2 := newHelpdesk(t, map[string]reply{"GET /services/data/v62.0/query": {200, sfUsers}})
		users, _, err := scenarios.SyncUsers(t.Context(), client(t, "salesforce.xml", sfFields(hd2.URL), sfToken), nil)
		require.NoError(t, err)
		require.Equal(t, []scenarios.User{
			{ID: sfUser, FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"},
			{ID: "005xx000001X7sgAAC", FirstName: "Cy", LastName: "Support", Email: "cy@acme.test"},
		}, users)
		got := hd2.take()
		require.Len(t, got, 1, "done, no nextRecordsUrl: one batch")
		require.Equal(t, "SELECT Id, FirstName, LastName, Email FROM User WHERE IsActive = true AND UserType = 'Standard' ORDER BY LastName, FirstName", sfQuery(t, got[0]))
		requireSalesforceHeaders(t, got)
	})

	t.Run("contact creation", func(t *testing.T) {
		res := run(t, c, "CreateNewContact", callVars(), "contacts")
		require.Equal(t, sfNewContact, res.Vars["ContactId"])
		got := hd.takeOne(t, http.MethodPost, "/services/data/v62.0/sobjects/Contact/")
		requireSalesforceHeaders(t, got)
		require.JSONEq(t, `{"FirstName":"Ann","LastName":"Lee \"the caller\"","Phone":"+14155550100"}`, got[0].Body)

		vars := callVars()
		vars["FirstName"], vars["LastName"], vars["Email"] = "", "", "ann@acme.test"
		run(t, c, "CreateNewContact", vars, "contacts")
		require.JSONEq(t, `{"FirstName":"Caller","LastName":"+14155550100","Phone":"+14155550100","Email":"ann@acme.test"}`,
			hd.take()[0].Body, "LastName is required: the number when no name is known")
	})

	t.Run("case, and its comment at hangup", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"] = sfContact, sfUser
		res := run(t, c, "CreateNewTicket", vars)
		require.Equal(t, sfCase, res.Vars["TicketId"])
		got := hd.take()
		require.Len(t, got, 2)
		requireSalesforceHeaders(t, got)
		require.Equal(t, "/services/data/v62.0/sobjects/Case/", got[0].Path)
		require.JSONEq(t, `{"Subject":"Inbound call Completed - from Ann Lee <+14155550100> to Bob Agent <1001>",
			"Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30",
			"Origin":"Phone","ContactId":"`+sfContact+`","OwnerId":"`+sfUser+`"}`, got[0].Body)
		require.Equal(t, "/services/data/v62.0/sobjects/CaseComment/", got[1].Path)
		require.JSONEq(t, `{"ParentId":"`+sfCase+`","IsPublished":false,
			"CommentBody":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30"}`, got[1].Body)

		url, err := c.Template().Scenario("CreateNewTicket").Text("TicketURLFormat").RenderLayers(c.Vars(), vars, engine.Vars{"TicketId": sfCase})
		require.NoError(t, err)
		require.Equal(t, hd.URL+"/lightning/r/Case/"+sfCase+"/view", url)
	})

	t.Run("case without a known contact or owner", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["CrmId"], vars["Subject"] = "17", "bob@acme.test", `Call from "Ann"`
		run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
		body := hd.take()[0].Body
		require.JSONEq(t, `{"Subject":"Call from \"Ann\"","Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30","Origin":"Phone"}`, body,
			"ids that are not a Contact's or a User's are left out")
	})

	t.Run("call task on the contact and the case", func(t *testing.T) {
		vars := callVars()
		vars["ContactId"], vars["TicketId"], vars["CrmId"] = sfContact, sfCase, sfUser
		run(t, c, "CallJournal", vars)
		got := hd.takeOne(t, http.MethodPost, "/services/data/v62.0/sobjects/Task/")
		requireSalesforceHeaders(t, got)
		require.JSONEq(t, `{"Subject":"Inbound call Completed",
			"Description":"Inbound call Completed at 2026-11-21 10:00:00\nFrom: Ann Lee <+14155550100>\nTo: Bob Agent <1001>\nTalk duration: 00:01:30\nRecording: https://switchboard.test/recordings/tok123",
			"TaskSubtype":"Call","Type":"Call","Status":"Completed","Priority":"Normal",
			"CallType":"Inbound","CallDurationInSeconds":90,"CallDisposition":"ANSWERED","ActivityDate":"2026-11-21",
			"WhoId":"`+sfContact+`","WhatId":"`+sfCase+`","OwnerId":"`+sfUser+`"}`, got[0].Body)
	})

	t.Run("task of every kind of call", func(t *testing.T) {
		for _, call := range finishedCalls() {
			t.Run(call.name, func(t *testing.T) {
				vars := call.vars
				vars["ContactId"], vars["CrmId"] = sfContact, sfUser
				run(t, c, "CallJournal", vars)
				got := hd.take()
				require.Len(t, got, 1, "a task is logged even without a time")
				require.True(t, json.Valid([]byte(got[0].Body)), got[0].Body)
				b := gjson.Parse(got[0].Body)
				require.Equal(t, map[string]string{"Inbound": "Inbound", "Outbound": "Outbound"}[vars["Communication_Type"]], b.Get("CallType").String())
				require.Equal(t, int64(mustAtoi(t, vars["Talk_Duration_Sec"])), b.Get("CallDurationInSeconds").Int())
				require.Equal(t, gjson.Number, b.Get("CallDurationInSeconds").Type)
				require.Equal(t, "Call", b.Get("TaskSubtype").String())
				require.Equal(t, sfContact, b.Get("WhoId").String())
				require.False(t, b.Get("WhatId").Exists(), "no case")
				if call.start.IsZero() {
					require.False(t, b.Get("ActivityDate").Exists())
				} else {
					require.Equal(t, call.start.UTC().Format("2006-01-02"), b.Get("ActivityDate").String())
				}
				require.Contains(t, b.Get("Description").String(), "Recording: "+vars["RecordPath"])
			})
		}
	})
}

// Salesforce answers a query a batch at a time: done=false and
// nextRecordsUrl, a path on the instance that reads the next batch.
func TestSalesforceUsersBatchByBatch(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/services/data/v62.0/query":
			fmt.Fprint(w, `{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01gD0000002HU6KIAW-2000",
				"records":[{"attributes":{"type":"User"},"Id":"005xx000001X7sfAAC","FirstName":"Bob","LastName":"Agent","Email":"bob@acme.test"}]}`)
		case "/services/data/v62.0/query/01gD0000002HU6KIAW-2000":
			fmt.Fprint(w, `{"totalSize":3,"done":true,
				"records":[{"attributes":{"type":"User"},"Id":"005xx000001X7sgAAC","FirstName":"Cy","LastName":"Support","Email":"cy@acme.test"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	users, _, err := scenarios.SyncUsers(t.Context(), client(t, "salesforce.xml", sfFields(srv.URL), sfToken), nil)
	require.NoError(t, err)
	require.Len(t, users, 2)
	require.Equal(t, "005xx000001X7sgAAC", users[1].ID)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, paths, 2)
	require.Equal(t, "/services/data/v62.0/query/01gD0000002HU6KIAW-2000", paths[1], "the next batch, on the instance")
}

// The web server flow against a local login.salesforce.com: the authorize
// URL, the code exchange (client credentials in the form body; Salesforce's
// answer has instance_url and no expires_in) and, when the API calls the
// session invalid, the refresh and the request sent again.
func TestSalesforceOAuth(t *testing.T) {
	var mu sync.Mutex
	var forms []url.Values
	var apiCalls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/services/oauth2/token":
			b, _ := io.ReadAll(r.Body)
			f, _ := url.ParseQuery(string(b))
			forms = append(forms, f)
			if f.Get("grant_type") == "authorization_code" {
				fmt.Fprintf(w, `{"access_token":"00Dxx!first","refresh_token":"5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrvn","signature":"sig",
					"scope":"refresh_token api","instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001X7sfAAC",
					"token_type":"Bearer","issued_at":"1795255200000"}`)
				return
			}
			fmt.Fprint(w, `{"access_token":"00Dxx!second","signature":"sig","scope":"refresh_token api","instance_url":"https://acme.my.salesforce.com",
				"id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001X7sfAAC","token_type":"Bearer","issued_at":"1795258800000"}`)
		case "/services/data/v62.0/query":
			apiCalls++
			if r.Header.Get("Authorization") != "Bearer 00Dxx!second" {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`)
				return
			}
			fmt.Fprint(w, sfOrganization)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	data, err := os.ReadFile("salesforce.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("salesforce.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	fields := sfFields(srv.URL)
	o, err := auth.NewOAuth2(tmpl, fields, auth.Options{})
	require.NoError(t, err)

	u, err := o.AuthorizeURL("https://switchboard.test/integration/callback/api/crm/7/", "st4te")
	require.NoError(t, err)
	au, err := url.Parse(u)
	require.NoError(t, err)
	require.Equal(t, srv.URL+"/services/oauth2/authorize", au.Scheme+"://"+au.Host+au.Path)
	q := au.Query()
	require.Equal(t, "code", q.Get("response_type"))
	require.Equal(t, "3MVG9sfConsumerKey", q.Get("client_id"))
	require.Equal(t, "api refresh_token", q.Get("scope"))
	require.Equal(t, "st4te", q.Get("state"))
	require.Equal(t, "https://switchboard.test/integration/callback/api/crm/7/", q.Get("redirect_uri"))

	ctx := context.Background()
	require.NoError(t, o.Exchange(ctx, "aPrxsmIEeqM9", "https://switchboard.test/integration/callback/api/crm/7/"))
	c := engine.NewClient(tmpl, engine.ClientConfig{Auth: o, Vars: fields,
		Retry: engine.RetryPolicy{WaitMin: time.Millisecond, WaitMax: 2 * time.Millisecond}})
	res := run(t, c, "GetGlobalInfo", nil)
	require.Equal(t, "Acme", res.Vars["OrganizationName"], "INVALID_SESSION_ID: renewed and sent again")

	// Salesforce does not rotate the refresh token: the next renewal still has it.
	creds, err := o.Credentials(ctx)
	require.NoError(t, err)
	require.Equal(t, "Bearer 00Dxx!second", creds.Header.Get("Authorization"))
	require.NoError(t, o.Refresh(ctx, creds))

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 2, apiCalls)
	require.Len(t, forms, 3)
	require.Equal(t, "authorization_code", forms[0].Get("grant_type"))
	require.Equal(t, "aPrxsmIEeqM9", forms[0].Get("code"))
	require.Equal(t, "3MVG9sfConsumerKey", forms[0].Get("client_id"), "client credentials in the body")
	require.Equal(t, "sf-consumer-secret", forms[0].Get("client_secret"))
	for _, f := range forms[1:] {
		require.Equal(t, "refresh_token", f.Get("grant_type"))
		require.Equal(t, "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrvn", f.Get("refresh_token"))
	}
}
