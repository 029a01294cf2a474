package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// zammadFixtureCases are zammad.xml's fixtures (fixtureCases), with
// TestZammad's answers. GetGlobalInfo (the token's user) runs first, as the
// service does.
var zammadFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://zammad.example.com", "access_token": zammadToken, "ticket_group": "2nd Level"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /api/v1/users/me"] = reply{200, zammadMe}
		return fixtureCase{template: "zammad.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	// A user search that finds nobody is an empty array.
	const notFound = `[]`
	article := reply{201, zammadArticle}
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v1/users/search": {200, zammadFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v1/users/search": {200, notFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", "anonymous"), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`),
			map[string]reply{"GET /api/v1/users/search": {200, zammadFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"GET /api/v1/users/search": {200, notFound}}),
		// The service's first page (scenarios.SyncUsers: Page, PageSize).
		c("UserAssociation", "UserAssociation", engine.Vars{"Page": "1", "PageSize": "100"},
			map[string]reply{"GET /api/v1/users/search": {200, zammadAgents}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v1/users": {201, zammadUser}}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test"),
			map[string]reply{"POST /api/v1/users": {201, zammadUser}}),
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", "10"), map[string]reply{"POST /api/v1/tickets": {201, zammadTicket}}),
		c("CreateNewTicket-outbound", "CreateNewTicket", with(callVars(), "ContactId", "10", "CrmId", "bob@acme.test", "Communication_Type", "Outbound"),
			map[string]reply{"POST /api/v1/tickets": {201, zammadTicket}}),
		// Zammad requires the customer: no user id, no ticket.
		c("CreateNewTicket-no-customer", "CreateNewTicket", callVars(), nil),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", "10"),
			map[string]reply{"POST /api/v1/tickets": {201, zammadTicket}, "POST /api/v1/ticket_articles": article}, "CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(callVars(), "TicketId", "4711"), map[string]reply{"POST /api/v1/ticket_articles": article}),
		c("CallJournal-no-ticket", "CallJournal", callVars(), nil),
	}
}()
