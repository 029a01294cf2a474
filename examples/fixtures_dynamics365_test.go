package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// dynamicsNotFound is an OData collection with no contact.
const dynamicsNotFound = `{"@odata.context":"https://org.crm.dynamics.com/api/data/v9.2/$metadata#contacts(contactid,firstname,lastname,emailaddress1,telephone1,telephone2,mobilephone)","value":[]}`

// dynamicsFixtureCases are dynamics365.xml's fixtures (fixtureCases), with
// TestDynamics's answers and an access token given (oauth2). GetGlobalInfo
// (WhoAmI) runs first, as the service does.
var dynamicsFixtureCases = func() []fixtureCase {
	fields := dynFields("https://acme.crm.dynamics.com")
	const api = "/api/data/v9.2"
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET "+api+"/WhoAmI"] = reply{200, dynWhoAmI}
		return fixtureCase{template: "dynamics365.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers,
			requests: requests, token: dynToken}
	}
	ids := func(vars engine.Vars) engine.Vars {
		return with(vars, "ContactId", dynContact, "CrmId", dynUser)
	}
	// Dataverse answers a note and a phone call created without
	// return=representation with 204 and no body.
	created := reply{204, ``}
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"GET " + api + "/contacts": {200, dynFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET " + api + "/contacts": {200, dynamicsNotFound}}),
		// Fewer than seven digits: no endswith.
		c("SyncContactAuto-short-number", "SyncContactAuto", with(callVars(), "Phone", "1001"),
			map[string]reply{"GET " + api + "/contacts": {200, dynamicsNotFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		// Quotes doubled, wildcards bracketed.
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller" O'Hara 50%_[x]`),
			map[string]reply{"GET " + api + "/contacts": {200, dynFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"GET " + api + "/contacts": {200, dynamicsNotFound}}),
		// The service's first page (scenarios.SyncUsers: PageSize).
		c("UserAssociation", "UserAssociation", engine.Vars{"PageSize": "100"}, map[string]reply{"GET " + api + "/systemusers": {200, dynUsers}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST " + api + "/contacts": {201, dynContactCreated}}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", ""),
			map[string]reply{"POST " + api + "/contacts": {201, dynContactCreated}}),
		c("CreateNewTicket", "CreateNewTicket", ids(callVars()), map[string]reply{"POST " + api + "/incidents": {201, dynCaseCreated}}),
		// An incident needs its customer: no contact, no case.
		c("CreateNewTicket-no-contact", "CreateNewTicket", with(callVars(), "ContactId", ""), nil),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", ids(callVars()), map[string]reply{
			"POST " + api + "/incidents": {201, dynCaseCreated}, "POST " + api + "/annotations": created},
			"CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(ids(callVars()), "TicketId", dynCase), map[string]reply{"POST " + api + "/phonecalls": created}),
		c("CallJournal-nobody-known", "CallJournal", with(callVars(), "ContactId", "", "CrmId", "361", "TicketId", ""),
			map[string]reply{"POST " + api + "/phonecalls": created}),
	}
}()
