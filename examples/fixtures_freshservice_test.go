package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// Freshservice's answers beyond TestFreshservice's: one agent for the
// connection check (per_page=1), the second page of agents, and a filter
// that matches nobody (an empty list).
const (
	freshserviceOneAgent = `{"agents":[
		{"active":true,"email":"bob@acme.test","first_name":"Bob","last_name":"Agent","id":21000084102,"job_title":null,
		 "mobile_phone_number":null,"work_phone_number":"1001","occasional":false,"created_at":"2026-01-10T08:30:15Z","updated_at":"2026-01-10T08:30:15Z"}]}`
	freshserviceAgentsPage2 = `{"agents":[
		{"active":true,"email":"dee@acme.test","first_name":"Dee","last_name":"Night","id":21000085000,"job_title":null,
		 "mobile_phone_number":null,"work_phone_number":"1101","occasional":true,"created_at":"2026-02-01T08:00:00Z","updated_at":"2026-02-01T08:00:00Z"}]}`
	freshserviceNoRequesters = `{"requesters":[]}`
)

// freshserviceFixtureCases are freshservice.xml's fixtures (fixtureCases):
// the answers of TestFreshservice, on an account's address. GetGlobalInfo
// runs first, as the service does, but in the UserAssociation cases: both
// ask GET /api/v2/agents, which the local server answers one way only, and
// the agents' pages are the point there (GetGlobalInfo has its own fixture).
var freshserviceFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://acme.freshservice.com", "api_key": freshserviceKey}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /api/v2/agents"] = reply{200, freshserviceOneAgent}
		return fixtureCase{template: "freshservice.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	agents := func(name, page, answer string) fixtureCase {
		return fixtureCase{template: "freshservice.xml", name: name, scenario: "UserAssociation", fields: fields,
			vars: engine.Vars{"Page": page, "PageSize": "100"}, noGlobalInfo: true, answers: map[string]reply{"GET /api/v2/agents": {200, answer}}}
	}
	found := map[string]reply{"GET /api/v2/requesters": {200, freshserviceRequesters}}
	notFound := map[string]reply{"GET /api/v2/requesters": {200, freshserviceNoRequesters}}
	known := with(callVars(), "ContactId", "21000418006", "CrmId", "21000084102")
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), found),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), notFound),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`), found),
		c("SearchContact-by-email", "SearchContact", with(callVars(), "SearchValue", "ann@acme.test"), found),
		c("SearchContact-by-number", "SearchContact", with(callVars(), "SearchValue", "+1 (415) 555-0100"), found),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "O'Neil"), notFound),
		agents("UserAssociation", "1", freshserviceAgents),
		agents("UserAssociation-page-2", "2", freshserviceAgentsPage2),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v2/requesters": {201, freshserviceRequesterMade}}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "dana@example.com"),
			map[string]reply{"POST /api/v2/requesters": {201, freshserviceRequesterMade}}),
		c("CreateNewTicket", "CreateNewTicket", known, map[string]reply{"POST /api/v2/tickets": {201, freshserviceTicketMade}}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", known, map[string]reply{
			"POST /api/v2/tickets": {201, freshserviceTicketMade}, "POST /api/v2/tickets/1234/notes": {201, freshserviceNoteMade}},
			"CreateNewTicket", "UpdateTicket"),
		{template: "freshservice.xml", name: "CreateNewTicket-unknown-caller-in-workspace", scenario: "CreateNewTicket",
			fields: with(fields, "workspace_id", "2"), vars: with(callVars(), "ContactId", "", "CrmId", "bob@acme.test"),
			answers: map[string]reply{"GET /api/v2/agents": {200, freshserviceOneAgent}, "POST /api/v2/tickets": {201, freshserviceTicketMade}}},
		c("CallJournal", "CallJournal", with(callVars(), "TicketId", "1234"), map[string]reply{
			"POST /api/v2/tickets/1234/notes": {201, freshserviceNoteMade}}),
		// Freshservice has no call object: without a ticket nothing is logged.
		c("CallJournal-no-ticket", "CallJournal", callVars(), nil),
	}
}()
