package examples_test

import (
	"maps"

	"github.com/switchboard/switchboard/engine"
)

// frontNotFound is Front's error answer for a contact alias nobody has
// (404, its error object): the lookups' NotFoundStatus="404" makes it no
// contact, not a failure.
const frontNotFound = `{"_error":{"status":404,"title":"Not found","message":"Contact not found"}}`

// frontFixtureCases are front.xml's fixtures (fixtureCases): the answers of
// TestFront, on Front's API address. GetGlobalInfo (GET /me) runs first,
// as the service does.
var frontFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://api2.frontapp.com", "api_token": frontToken, "inbox_id": "", "author_id": ""}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /me"] = reply{200, frontMe}
		return fixtureCase{template: "front.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	withFields := func(fc fixtureCase, kv ...string) fixtureCase {
		fc.fields = with(fields, kv...)
		return fc
	}
	// The local server sees the path decoded: alt:phone:+1…, alt:email:…@….
	byPhone := map[string]reply{"GET /contacts/alt:phone:+14155550100": {200, frontContact}}
	discussion := map[string]reply{"POST /conversations": {201, frontConversation}}
	comment := with2(discussion, "POST /conversations/cnv_yo1kg5q/comments", reply{201, frontComment})
	note := map[string]reply{"POST /contacts/crd_3cgz4ge/notes": {201, frontNote}}
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), byPhone),
		// An unknown number: Front answers 404, which finds nobody.
		c("SyncContactAuto-not-found", "SyncContactAuto", with(callVars(), "Phone", "+14155550177"),
			map[string]reply{"GET /contacts/alt:phone:+14155550177": {404, frontNotFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", "+1 (415) 555-0100"), byPhone),
		c("SearchContact-by-email", "SearchContact", with(callVars(), "SearchValue", " dwight@limitlesspaper.com "),
			map[string]reply{"GET /contacts/alt:email:dwight@limitlesspaper.com": {200, frontContact}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody@acme.test"),
			map[string]reply{"GET /contacts/alt:email:nobody@acme.test": {404, frontNotFound}}),
		// Front cannot search contacts by name: nothing is sent.
		c("SearchContact-by-name", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`), nil),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /teammates": {200, frontTeammates}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /contacts": {201, frontCreatedContact}}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test"),
			map[string]reply{"POST /contacts": {201, frontCreatedContact}}),
		c("CreateNewTicket", "CreateNewTicket", frontCall(), discussion),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", frontCall(), comment, "CreateNewTicket", "UpdateTicket"),
		// In the configured inbox, posted as the token (CrmId 361 is no teammate id).
		withFields(c("CreateNewTicket-and-UpdateTicket-in-inbox", "CreateNewTicket", callVars(), comment, "CreateNewTicket", "UpdateTicket"),
			"inbox_id", "inb_55c8c149"),
		// Neither an inbox nor the agent's teammate: no discussion.
		c("CreateNewTicket-no-inbox-or-teammate", "CreateNewTicket", callVars(), nil),
		c("CallJournal", "CallJournal", with(frontCall(), "ContactId", "crd_3cgz4ge"), note),
		withFields(c("CallJournal-by-the-configured-author", "CallJournal", with(callVars(), "ContactId", "crd_3cgz4ge", "RecordPath", ""), note),
			"author_id", "tea_e35u"),
		// A note needs an author: the agent's teammate, else the configured one.
		c("CallJournal-no-author", "CallJournal", with(callVars(), "ContactId", "crd_3cgz4ge"), nil),
		c("CallJournal-no-contact", "CallJournal", frontCall(), nil),
	}
}()
