package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// salesforceNotFound is a SOSL search that finds nothing.
const salesforceNotFound = `{"searchRecords":[]}`

// salesforceFixtureCases are salesforce.xml's fixtures (fixtureCases),
// with TestSalesforce's answers and an access token given (oauth2).
// GetGlobalInfo (the Organization query) runs first, as the service does,
// but for UserAssociation: its User query has the same path, and the local
// server answers by path.
var salesforceFixtureCases = func() []fixtureCase {
	const instance = "https://acme.my.salesforce.com"
	fields := with(sfFields(instance), "login_url", "https://login.salesforce.com")
	const api = "/services/data/v62.0"
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET "+api+"/query"] = reply{200, sfOrganization}
		return fixtureCase{template: "salesforce.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers,
			requests: requests, token: sfToken}
	}
	ids := func(vars engine.Vars) engine.Vars {
		return with(vars, "ContactId", sfContact, "CrmId", sfUser)
	}
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"GET " + api + "/search": {200, sfFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET " + api + "/search": {200, salesforceNotFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", "anonymous"), nil),
		// SOSL's reserved characters escaped.
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller" {x} O'Hara-Lee*`),
			map[string]reply{"GET " + api + "/search": {200, sfFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"GET " + api + "/search": {200, salesforceNotFound}}),
		{template: "salesforce.xml", name: "UserAssociation", scenario: "UserAssociation", fields: fields, token: sfToken, noGlobalInfo: true,
			answers: map[string]reply{"GET " + api + "/query": {200, sfUsers}}},
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST " + api + "/sobjects/Contact/": sfCreated(sfNewContact)}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test"),
			map[string]reply{"POST " + api + "/sobjects/Contact/": sfCreated(sfNewContact)}),
		c("CreateNewTicket", "CreateNewTicket", ids(callVars()), map[string]reply{"POST " + api + "/sobjects/Case/": sfCreated(sfCase)}),
		// Ids that are not a Contact's (003) or a User's (005) are left out.
		c("CreateNewTicket-unknown-ids", "CreateNewTicket", with(callVars(), "ContactId", "17", "CrmId", "bob@acme.test"),
			map[string]reply{"POST " + api + "/sobjects/Case/": sfCreated(sfCase)}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", ids(callVars()), map[string]reply{
			"POST " + api + "/sobjects/Case/": sfCreated(sfCase), "POST " + api + "/sobjects/CaseComment/": sfCreated(sfComment)},
			"CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(ids(callVars()), "TicketId", sfCase),
			map[string]reply{"POST " + api + "/sobjects/Task/": sfCreated(sfTask)}),
		c("CallJournal-no-time-no-recording", "CallJournal", with(ids(callVars()), "StartTimeUnix", "", "EndTimeUnix", "", "RecordPath", ""),
			map[string]reply{"POST " + api + "/sobjects/Task/": sfCreated(sfTask)}),
	}
}()
