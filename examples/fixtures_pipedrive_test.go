package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// pipedriveNotFound is a v2 persons search that finds nobody: no items.
const pipedriveNotFound = `{"success":true,"data":{"items":[]},"additional_data":{"next_cursor":null}}`

// pipedriveFixtureCases are pipedrive.xml's fixtures (fixtureCases), with
// TestPipedrive's answers. GetGlobalInfo runs first, as the service does:
// its company domain makes the person's and the deal's pages.
var pipedriveFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://api.pipedrive.com", "api_token": pipedriveToken}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /api/v1/users/me"] = reply{200, pipedriveMe}
		return fixtureCase{template: "pipedrive.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	deal := pipedriveCreated(4711, `"title":"call",`)
	note := pipedriveCreated(6001, `"content":"note",`)
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v2/persons/search": {200, pipedriveFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v2/persons/search": {200, pipedriveNotFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", ` Ann "the caller" `),
			map[string]reply{"GET /api/v2/persons/search": {200, pipedriveFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"GET /api/v2/persons/search": {200, pipedriveNotFound}}),
		// Pipedrive wants two characters at least: not sent.
		c("SearchContact-one-character", "SearchContact", with(callVars(), "SearchValue", "A"), nil),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /api/v1/users": {200, pipedriveUsers}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v2/persons": pipedriveCreated(9001, `"name":"Ann Lee",`)}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test", "CrmId", "bob@acme.test"),
			map[string]reply{"POST /api/v2/persons": pipedriveCreated(9001, `"name":"Caller +14155550100",`)}),
		// The deal, then its description as a note (Common DealNote, through Next).
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", "512"),
			map[string]reply{"POST /api/v2/deals": deal, "POST /api/v1/notes": note}),
		c("CreateNewTicket-no-person", "CreateNewTicket", with(callVars(), "ContactId", "", "CrmId", "bob@acme.test"),
			map[string]reply{"POST /api/v2/deals": deal, "POST /api/v1/notes": note}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", "512"),
			map[string]reply{"POST /api/v2/deals": deal, "POST /api/v1/notes": note}, "CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(callVars(), "ContactId", "512", "TicketId", "4711"),
			map[string]reply{"POST /api/v2/activities": pipedriveCreated(7001, `"type":"call",`)}),
		c("CallJournal-no-ids-no-recording", "CallJournal", with(callVars(), "CrmId", "", "RecordPath", "", "Talk_Duration_Sec", "0"),
			map[string]reply{"POST /api/v2/activities": pipedriveCreated(7001, `"type":"call",`)}),
	}
}()
