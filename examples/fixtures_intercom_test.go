package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// intercomNoContacts is Intercom's contact_list when a search matches
// nobody: an empty page.
const intercomNoContacts = `{"type":"list","data":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":0}}`

// intercomFixtureCases are intercom.xml's fixtures (fixtureCases): the
// answers of TestIntercom, on the default (US) API address. GetGlobalInfo
// (GET /me) runs first, as the service does: its admin writes the notes
// when the agent's admin id is not known.
var intercomFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://api.intercom.io", "access_token": intercomToken, "ticket_type_id": "88", "contact_role": "lead"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /me"] = reply{200, intercomMe}
		return fixtureCase{template: "intercom.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	const contact, bob = "6762f0dd1bb69f9f2193bb83", "991267467"
	found := map[string]reply{"POST /contacts/search": {200, intercomFound}}
	notFound := map[string]reply{"POST /contacts/search": {200, intercomNoContacts}}
	ticket := map[string]reply{"POST /tickets": {200, intercomTicket}}
	note := map[string]reply{"POST /contacts/" + contact + "/notes": {200, intercomNote}}
	known := with(callVars(), "ContactId", contact, "CrmId", bob)
	userRole := c("CreateNewContact-user-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test"),
		map[string]reply{"POST /contacts": {200, intercomContact}})
	userRole.fields = with(fields, "contact_role", "user")
	noType := c("CreateNewTicket-no-ticket-type", "CreateNewTicket", known, nil)
	noType.fields = with(fields, "ticket_type_id", "")
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), found),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), notFound),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`), found),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"), notFound),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /admins": {200, intercomAdmins}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /contacts": {200, intercomContact}}),
		userRole,
		c("CreateNewTicket", "CreateNewTicket", known, ticket),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", known, with2(ticket, "POST /tickets/626/reply", reply{200, intercomReply}),
			"CreateNewTicket", "UpdateTicket"),
		// The agent has no admin id: no assignee, and the token's admin writes the note.
		c("CreateNewTicket-and-UpdateTicket-no-agent", "CreateNewTicket", with(known, "CrmId", "bob@acme.test"),
			with2(ticket, "POST /tickets/626/reply", reply{200, intercomReply}), "CreateNewTicket", "UpdateTicket"),
		// Intercom's tickets need a contact and a ticket type: without either none is created.
		c("CreateNewTicket-no-contact", "CreateNewTicket", with(known, "ContactId", ""), nil),
		noType,
		c("CallJournal", "CallJournal", known, note),
		c("CallJournal-by-the-token-admin", "CallJournal", with(known, "CrmId", "", "RecordPath", ""), note),
		// A note goes on a contact: without one nothing is logged.
		c("CallJournal-no-contact", "CallJournal", with(known, "ContactId", ""), nil),
	}
}()
