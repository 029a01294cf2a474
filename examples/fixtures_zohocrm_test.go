package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// zohocrmCurrentUser is Zoho's answer to GET /crm/v8/users?type=CurrentUser
// (the connection check): the signed-in user alone, in the shape of
// zohocrmUsers.
const zohocrmCurrentUser = `{"users":[
		{"country":"US","role":{"name":"CEO","id":"4876876000000026005"},"profile":{"name":"Administrator","id":"4876876000000026011"},
		 "first_name":"Bob","last_name":"Agent","full_name":"Bob Agent","email":"bob@acme.test","status":"active","id":"` + zohocrmBob + `"}],
		"info":{"per_page":200,"count":1,"page":1,"more_records":false}}`

// zohoCRMFixtureCases are zohocrm.xml's fixtures (fixtureCases): the
// answers of TestZohoCRM, with the default addresses of the US data centre
// and the access token given (oauth2). GetGlobalInfo runs first, as the
// service does, but in the UserAssociation cases: both ask GET
// /crm/v8/users, which the local server answers one way only, and the
// users' pages are the point there (GetGlobalInfo has its own fixture).
var zohoCRMFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://www.zohoapis.com", "accounts_url": "https://accounts.zoho.com",
		"crm_url": "https://crm.zoho.com/crm", "client_id": "1000.CLIENTID0123456789", "client_secret": "zoho-client-secret"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /crm/v8/users"] = reply{200, zohocrmCurrentUser}
		return fixtureCase{template: "zohocrm.xml", name: name, scenario: scenario, fields: fields, vars: vars, token: zohocrmToken,
			answers: answers, requests: requests}
	}
	users := func(name, page string, answer reply) fixtureCase {
		return fixtureCase{template: "zohocrm.xml", name: name, scenario: "UserAssociation", fields: fields, token: zohocrmToken,
			vars: engine.Vars{"Page": page, "PageSize": "200"}, noGlobalInfo: true, answers: map[string]reply{"GET /crm/v8/users": answer}}
	}
	// Nothing found, or a page past the last: 204 with no body.
	none := reply{204, ""}
	known := with(callVars(), "ContactId", zohocrmContact, "CrmId", zohocrmBob)
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"GET /crm/v8/Contacts/search": {200, zohocrmFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /crm/v8/Contacts/search": none}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`),
			map[string]reply{"GET /crm/v8/Contacts/search": {200, zohocrmFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"GET /crm/v8/Contacts/search": none}),
		users("UserAssociation", "1", reply{200, zohocrmUsers}),
		users("UserAssociation-past-the-last-page", "2", none),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{
			"POST /crm/v8/Contacts": zohocrmWritten("4876876000000624100", "record added")}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "dana@example.com"),
			map[string]reply{"POST /crm/v8/Contacts": zohocrmWritten("4876876000000624100", "record added")}),
		c("CreateNewTicket", "CreateNewTicket", known, map[string]reply{"POST /crm/v8/Cases": zohocrmWritten(zohocrmCaseID, "record added")}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", known, map[string]reply{
			"POST /crm/v8/Cases":                 zohocrmWritten(zohocrmCaseID, "record added"),
			"PUT /crm/v8/Cases/" + zohocrmCaseID: zohocrmWritten(zohocrmCaseID, "record updated")},
			"CreateNewTicket", "UpdateTicket"),
		c("CreateNewTicket-unknown-caller", "CreateNewTicket", with(callVars(), "ContactId", "", "CrmId", "bob@acme.test"),
			map[string]reply{"POST /crm/v8/Cases": zohocrmWritten(zohocrmCaseID, "record added")}),
		c("CallJournal", "CallJournal", with(known, "TicketId", zohocrmCaseID), map[string]reply{
			"POST /crm/v8/Calls": zohocrmWritten("4876876000000800001", "record added")}),
		c("CallJournal-missed", "CallJournal", with(callVars(), "ContactId", zohocrmContact, "CrmId", "", "CallDisposition", "NO ANSWER",
			"Call_Status", "Missed", "Talk_Duration", "00:00:00", "Talk_Duration_Sec", "0", "RecordPath", ""),
			map[string]reply{"POST /crm/v8/Calls": zohocrmWritten("4876876000000800002", "record added")}),
		// Call_Start_Time is mandatory: a call with no time is not logged.
		c("CallJournal-no-time", "CallJournal", with(known, "StartTimeUnix", "", "EndTimeUnix", ""), nil),
	}
}()
