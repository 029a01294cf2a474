package examples_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

// fixtureCases are the template-test fixtures of the shipped templates,
// one entry each (fixtures_test.go records and replays them). A template
// added to this folder adds its cases here: every scenario that sends a
// request or reads a webhook, and both sides of a lookup (found, not
// found). Answers are the vendor's documented ones, those the other tests
// of the template use where they have them.
var fixtureCases = slices.Concat(
	zendeskCases, freshdeskCases, zohoDeskCases, hubspotFixtureCases,
	pipedriveFixtureCases, zammadFixtureCases, salesforceFixtureCases, dynamicsFixtureCases,
	zohoCRMFixtureCases, freshserviceFixtureCases, intercomFixtureCases, frontFixtureCases,
	bandwidthCases, flowrouteCases, siptrunkCases, smsGenericCases, telesignCases, telnyxCases,
	twilioCases, voiceMeUpCases, voipmsCases, voipmsRESTCases, whatsAppCases,
)

// chatVars are the variables of a ChatJournal run as the chat journal
// gives them: a two-message SMS conversation answered by extension 1001,
// with the default subject and description.
func chatVars() engine.Vars {
	start := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	chat := scenarios.Chat{SessionID: "ses_2fYc9", Channel: "Main SMS", ChannelNumber: "+14155550199", Customer: "+14155550100",
		Agent: "1001", Part: 1, Final: true, Start: start, End: start.Add(11 * time.Minute),
		Messages: []scenarios.ChatMessage{
			{Direction: "in", Text: `Is my order "#4411" on its way?`, At: start},
			{Direction: "out", Author: "1001", Text: "Yes, it ships today.", At: start.Add(11 * time.Minute)},
		}}
	v := chat.Vars(scenarios.ExtensionInfo{Number: "1001", FirstName: "Bob", LastName: "Agent", Email: "bob@acme.test"}, nil, time.UTC)
	v["Subject"] = "Main SMS conversation with +14155550100"
	v["Description"] = "Conversation on Main SMS (+14155550199) with +14155550100, answered by extension 1001:\n" + v["ChatTranscript"]
	return v
}

// with is vars with the pairs set, as a new map.
func with(vars engine.Vars, kv ...string) engine.Vars {
	out := maps.Clone(vars)
	if out == nil {
		out = engine.Vars{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// The helpdesks' documented answers, shared with TestZendesk, TestFreshdesk
// and TestZohoDesk.
const (
	zendeskFound = `{"results":[{"id":17,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100","notes":"VIP","role":"end-user","result_type":"user"}],"count":1}`
	// Search API: nothing found is an empty list.
	zendeskNotFound   = `{"results":[],"facets":null,"next_page":null,"previous_page":null,"count":0}`
	zendeskIdentities = `{"identities":[
			{"id":1,"type":"email","value":"ann@acme.test"},
			{"id":2,"type":"phone_number","value":"+14155550100","primary":true},
			{"id":3,"type":"phone_number","value":"+14155550101"},
			{"id":4,"type":"phone_number","value":"+14155550102"}]}`
	zendeskUserCreated   = `{"user":{"id":9001,"name":"Ann Lee","role":"end-user"}}`
	zendeskTicketCreated = `{"ticket":{"id":4711,"status":"new"}}`
	zendeskTicketUpdated = `{"ticket":{"id":4711}}`
	// Search Users and List Users (agents and admins).
	zendeskUsersFound = `{"users":[{"id":18,"name":"Ann Other","email":"ann2@acme.test","phone":"+14155550177","notes":"","role":"end-user"}],"next_page":null,"previous_page":null,"count":1}`
	zendeskAgents     = `{"users":[{"id":361,"name":"Bob Agent","email":"bob@acme.test","role":"agent"},{"id":362,"name":"Cy Admin","email":"cy@acme.test","role":"admin"}],"next_page":null,"previous_page":null,"count":2}`

	freshdeskFound        = `{"results":[{"id":5,"name":"Ann Lee","email":"ann@acme.test","phone":"+14155550100","mobile":null}],"total":1}`
	freshdeskNotFound     = `{"results":[],"total":0}`
	freshdeskContact      = `{"id":5,"name":"Ann Lee","phone":"+14155550100","mobile":"+14155550199","description":"Prefers mornings"}`
	freshdeskAutocomplete = `[{"id":5,"name":"Ann Lee"}]`
	freshdeskAgents       = `[{"id":361,"available":true,"occasional":false,"contact":{"name":"Bob Agent","email":"bob@acme.test","phone":null}},{"id":362,"available":false,"occasional":false,"contact":{"name":"Cy Support","email":"cy@acme.test","phone":null}}]`
	freshdeskCreated      = `{"id":77,"name":"Ann Lee"}`
	freshdeskTicket       = `{"id":123,"subject":"x"}`
	freshdeskNote         = `{"id":1,"private":true}`

	zohoDeskContactID = "1892000000042032"
	zohoDeskFound     = `{"data":[{"id":"` + zohoDeskContactID + `","firstName":"Ann","lastName":"Lee","email":"ann@acme.test","phone":"+14155550100","mobile":null}],"count":1}`
	zohoDeskContact   = `{"id":"` + zohoDeskContactID + `","phone":"+14155550100","mobile":"+14155550177","description":"Key account"}`
	zohoDeskAgents    = `{"data":[{"id":"1892000000056007","firstName":"Bob","lastName":"Agent","emailId":"bob@acme.test","status":"ACTIVE"}]}`
	zohoDeskCreated   = `{"id":"1892000000099001","firstName":"Ann"}`
	zohoDeskTicket    = `{"id":"1892000000555","ticketNumber":"101"}`
	zohoDeskComment   = `{"id":"c1"}`
	zohoDeskCall      = `{"id":"call1"}`
)

var zendeskCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://acme.zendesk.com", "email": "agent@acme.test", "api_token": "zd-api-token-secret"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		return fixtureCase{template: "zendesk.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	return []fixtureCase{
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{
			"GET /api/v2/search.json": {200, zendeskFound}, "GET /api/v2/users/17/identities.json": {200, zendeskIdentities}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v2/search.json": {200, zendeskNotFound}}),
		c("SearchContact-found", "SearchContact", callVars(), map[string]reply{
			"GET /api/v2/users/search.json": {200, zendeskUsersFound}, "GET /api/v2/users/18/identities.json": {200, zendeskIdentities}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"), map[string]reply{
			"GET /api/v2/users/search.json": {200, `{"users":[],"next_page":null,"previous_page":null,"count":0}`}}),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /api/v2/users.json": {200, zendeskAgents}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v2/users.json": {201, zendeskUserCreated}}),
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", "17"), map[string]reply{"POST /api/v2/tickets.json": {201, zendeskTicketCreated}}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", "17"), map[string]reply{
			"POST /api/v2/tickets.json": {201, zendeskTicketCreated}, "PUT /api/v2/tickets/4711.json": {200, zendeskTicketUpdated}},
			"CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(callVars(), "TicketId", "4711"), map[string]reply{"PUT /api/v2/tickets/4711.json": {200, zendeskTicketUpdated}}),
		c("CallJournal-no-recording", "CallJournal", with(callVars(), "TicketId", "4711", "RecordPath", ""), map[string]reply{
			"PUT /api/v2/tickets/4711.json": {200, zendeskTicketUpdated}}),
		c("CallJournal-no-ticket", "CallJournal", callVars(), nil),
		c("ChatJournal", "ChatJournal", with(chatVars(), "ContactId", "17", "CrmId", "361"), map[string]reply{"POST /api/v2/tickets.json": {201, zendeskTicketCreated}}),
		c("ChatJournal-unknown-customer", "ChatJournal", chatVars(), map[string]reply{"POST /api/v2/tickets.json": {201, zendeskTicketCreated}}),
	}
}()

var freshdeskCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://acme.freshdesk.com", "api_key": "fd-api-key-secret"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		return fixtureCase{template: "freshdesk.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	return []fixtureCase{
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{
			"GET /api/v2/search/contacts": {200, freshdeskFound}, "GET /api/v2/contacts/5": {200, freshdeskContact}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v2/search/contacts": {200, freshdeskNotFound}}),
		c("SearchContact-found", "SearchContact", callVars(), map[string]reply{
			"GET /api/v2/contacts/autocomplete": {200, freshdeskAutocomplete}, "GET /api/v2/contacts/5": {200, freshdeskContact}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"), map[string]reply{
			"GET /api/v2/contacts/autocomplete": {200, `[]`}}),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /api/v2/agents": {200, freshdeskAgents}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v2/contacts": {201, freshdeskCreated}}),
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", "5"), map[string]reply{"POST /api/v2/tickets": {201, freshdeskTicket}}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", "5"), map[string]reply{
			"POST /api/v2/tickets": {201, freshdeskTicket}, "POST /api/v2/tickets/123/notes": {201, freshdeskNote}},
			"CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(callVars(), "TicketId", "123"), map[string]reply{"POST /api/v2/tickets/123/notes": {201, freshdeskNote}}),
		c("CallJournal-no-ticket", "CallJournal", callVars(), nil),
	}
}()

var zohoDeskCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://desk.zoho.com", "accounts_url": "https://accounts.zoho.com", "org_id": "60001234",
		"client_id": "1000.CLIENT", "client_secret": "zoho-client-secret"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		return fixtureCase{template: "zohodesk.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers,
			requests: requests, token: "zoho-access-token"}
	}
	return []fixtureCase{
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{
			"GET /api/v1/contacts/search": {200, zohoDeskFound}, "GET /api/v1/contacts/" + zohoDeskContactID: {200, zohoDeskContact}}),
		// Zoho Desk answers a search that finds nothing with 204 and no body.
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"GET /api/v1/contacts/search": {204, ""}}),
		c("SearchContact-found", "SearchContact", callVars(), map[string]reply{"GET /api/v1/contacts/search": {200, zohoDeskFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"), map[string]reply{
			"GET /api/v1/contacts/search": {204, ""}}),
		c("UserAssociation", "UserAssociation", nil, map[string]reply{"GET /api/v1/agents": {200, zohoDeskAgents}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /api/v1/contacts": {200, zohoDeskCreated}}),
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", zohoDeskContactID, "department_id", "1892000000006907"),
			map[string]reply{"POST /api/v1/tickets": {200, zohoDeskTicket}}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", zohoDeskContactID, "department_id", "1892000000006907"),
			map[string]reply{"POST /api/v1/tickets": {200, zohoDeskTicket}, "POST /api/v1/tickets/1892000000555/comments": {200, zohoDeskComment}},
			"CreateNewTicket", "UpdateTicket"),
		c("CallJournal", "CallJournal", with(callVars(), "ContactId", zohoDeskContactID), map[string]reply{"POST /api/v1/calls": {200, zohoDeskCall}}),
		c("CallJournal-no-contact", "CallJournal", callVars(), nil),
	}
}()

// HubSpot runs GetGlobalInfo first, as the service does (TestHubSpot).
var hubspotFixtureCases = func() []fixtureCase {
	fields := engine.Vars{"base_url": "https://api.hubapi.com", "access_token": hubspotToken, "ticket_pipeline": "0", "ticket_stage": "1"}
	account := reply{200, hubspotAccount}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, requests ...string) fixtureCase {
		answers = maps.Clone(answers)
		if answers == nil {
			answers = map[string]reply{}
		}
		answers["GET /account-info/v3/details"] = account
		return fixtureCase{template: "hubspot.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, requests: requests}
	}
	const notFound = `{"total":0,"results":[]}`
	return []fixtureCase{
		c("GetGlobalInfo", "GetGlobalInfo", nil, nil),
		// With the Hub ID given, the token is checked on one owner.
		{template: "hubspot.xml", name: "GetGlobalInfo-hub-id-given", scenario: "GetGlobalInfo", fields: with(fields, "portal_id", "99"),
			answers: map[string]reply{"GET /crm/v3/owners/": {200, hubspotOwners}}},
		c("SyncContactAuto-found", "SyncContactAuto", callVars(), map[string]reply{"POST /crm/v3/objects/contacts/search": {200, hubspotFound}}),
		c("SyncContactAuto-not-found", "SyncContactAuto", callVars(), map[string]reply{"POST /crm/v3/objects/contacts/search": {200, notFound}}),
		c("SyncContactAuto-no-number", "SyncContactAuto", with(callVars(), "Phone", ""), nil),
		c("SearchContact-found", "SearchContact", with(callVars(), "SearchValue", `Ann "the caller"`),
			map[string]reply{"POST /crm/v3/objects/contacts/search": {200, hubspotFound}}),
		c("SearchContact-not-found", "SearchContact", with(callVars(), "SearchValue", "nobody"),
			map[string]reply{"POST /crm/v3/objects/contacts/search": {200, notFound}}),
		c("UserAssociation", "UserAssociation", engine.Vars{"PageSize": "100"}, map[string]reply{"GET /crm/v3/owners/": {200, hubspotOwners}}),
		c("CreateNewContact", "CreateNewContact", callVars(), map[string]reply{"POST /crm/v3/objects/contacts": hubspotCreated("9001")}),
		c("CreateNewContact-no-name", "CreateNewContact", with(callVars(), "FirstName", "", "LastName", "", "Email", "ann@acme.test", "Company", "Acme"),
			map[string]reply{"POST /crm/v3/objects/contacts": hubspotCreated("9001")}),
		c("CreateNewTicket", "CreateNewTicket", with(callVars(), "ContactId", "512"), map[string]reply{"POST /crm/v3/objects/tickets": hubspotCreated("4711")}),
		c("CreateNewTicket-and-UpdateTicket", "CreateNewTicket", with(callVars(), "ContactId", "512"), map[string]reply{
			"POST /crm/v3/objects/tickets": hubspotCreated("4711"), "POST /crm/v3/objects/notes": hubspotCreated("6001")},
			"CreateNewTicket", "UpdateTicket"),
		c("ChatJournal", "ChatJournal", with(chatVars(), "ContactId", "512", "CrmId", "361"),
			map[string]reply{"POST /crm/v3/objects/notes": hubspotCreated("6002")}),
		c("ChatJournal-unknown-customer", "ChatJournal", chatVars(), map[string]reply{"POST /crm/v3/objects/notes": hubspotCreated("6003")}),
		c("CallJournal", "CallJournal", with(callVars(), "ContactId", "512", "TicketId", "4711"),
			map[string]reply{"POST /crm/v3/objects/calls": hubspotCreated("7001")}),
		c("CallJournal-no-time", "CallJournal", with(callVars(), "StartTimeUnix", "", "EndTimeUnix", ""), nil),
	}
}()

// The channels' messages: one to the customer, with a picture, and the
// webhooks the customer's answer and the delivery report come in.
func sendVars(from, to string) engine.Vars {
	return engine.Vars{"From": from, "To": to, "Text": `Your order "A-1" shipped & is on its way`,
		"MediaUrls": "[]", "WebhookUrl": "https://switchboard.example.com/api/v1/webhooks/channels/7/inbound?token=vt-0123456789abcdef"}
}

func withPicture(vars engine.Vars) engine.Vars {
	return with(vars, "MediaUrls", `["https://switchboard.example.com/m/label.png"]`, "MediaUrl", "https://switchboard.example.com/m/label.png")
}

const (
	channelHook = "https://switchboard.example.com/api/v1/webhooks/channels/7/inbound"
	verifyToken = "vt-0123456789abcdef"
)

func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// Bandwidth (messaging/bandwidth_test.go): the token is fetched from the
// token address, outside the trace; the fixture holds Token ****.
var bandwidthCases = func() []fixtureCase {
	const app = "93de2206-9669-4e07-948d-329f4b722ee2"
	fields := engine.Vars{"account_id": "9900000", "application_id": app, "client_id": "bw-client-7f3a", "client_secret": "bw-secret-51c0e2",
		"callback_user": "switchboard", "callback_password": "cb-pass-9d1"}
	// A webhook's case has the fields its check reads, test values all.
	hookFields := engine.Vars{"callback_user": "switchboard", "callback_password": "cb-pass-9d1"}
	token := reply{200, `{"access_token":"bw-token-1","token_type":"Bearer","expires_in":3600}`}
	sent := `{"id":"1589228074636lm4k2je7j7jklbn1","owner":"+19195551234","applicationId":"` + app + `","time":"2026-11-26T07:40:00.000Z",` +
		`"segmentCount":1,"direction":"out","to":["+19195550123"],"from":"+19195551234","text":"x"}`
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("switchboard:cb-pass-9d1"))
	inbound := `[{"type":"message-received","time":"2026-11-26T07:41:00.000Z","description":"Incoming message received","to":"+19195551234",` +
		`"message":{"id":"14762070468292kw2fuqty55yp2b2","time":"2026-11-26T07:41:00.000Z","to":["+19195551234"],"from":"+19195550123",` +
		`"text":"Can I change the address?","applicationId":"` + app + `","media":["https://messaging.bandwidth.com/api/v2/users/9900000/media/14762070468292kw2fuqty55yp2b2/0/photo.jpg"],` +
		`"owner":"+19195551234","direction":"in","segmentCount":1}}]`
	failed := `[{"type":"message-failed","time":"2026-11-26T07:42:00.000Z","description":"ok","to":"+19195550123","errorCode":4432,` +
		`"message":{"id":"1589228074636lm4k2je7j7jklbn1","time":"2026-11-26T07:40:00.000Z","to":["+19195550123"],"from":"+19195551234","text":"","direction":"out","owner":"+19195551234","segmentCount":1}}]`
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails ...bool) fixtureCase {
		answers = with2(answers, "POST /api/v1/oauth2/token", token)
		return fixtureCase{template: "bandwidth.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: len(fails) > 0}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+19195551234"}, map[string]reply{"GET /api/v2/users/9900000/media": {200, `[]`}}),
		c("VerifyChannel-unauthorized", "VerifyChannel", engine.Vars{"From": "+19195551234"}, map[string]reply{
			"GET /api/v2/users/9900000/media": {401, `{"type":"unauthorized","description":"Authentication failed"}`}}, true),
		c("SendMessage", "SendMessage", sendVars("+19195551234", "+19195550123"), map[string]reply{"POST /api/v2/users/9900000/messages": {202, sent}}),
		c("SendMessage-picture", "SendMessage", withPicture(sendVars("+19195551234", "+19195550123")), map[string]reply{
			"POST /api/v2/users/9900000/messages": {202, sent}}),
		{template: "bandwidth.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", fields: hookFields,
			webhook: &webhookCase{body: inbound, header: hdr("Authorization", basic, "Content-Type", "application/json")}},
		{template: "bandwidth.xml", name: "DeliveryReport-failed", scenario: "DeliveryReport", fields: hookFields,
			webhook: &webhookCase{body: failed, header: hdr("Authorization", basic, "Content-Type", "application/json")}},
	}
}()

// with2 is answers with one more.
func with2(answers map[string]reply, route string, r reply) map[string]reply {
	out := maps.Clone(answers)
	if out == nil {
		out = map[string]reply{}
	}
	out[route] = r
	return out
}

// Flowroute (messaging/flowroute_test.go): the webhook URL's token is the
// proof.
var flowrouteCases = func() []fixtureCase {
	fields := engine.Vars{"access_key": "12345678", "secret_key": "fr-secret-key-0123"}
	hook := channelHook + "?token=" + verifyToken
	sent := `{"data":{"id":"mdr2-b3f5a2c8e0d111e7a8a306cd7f24ba2d","links":{"self":"https://api.flowroute.com/v2.1/messages/mdr2-b3f5a2c8e0d111e7a8a306cd7f24ba2d"},"type":"message"}}`
	sms := `{"data":{"attributes":{"amount_display":"$0.0000","amount_nanodollars":0,"body":"Hello there!","callback_url":null,"delivery_receipts":[],` +
		`"direction":"inbound","from":"12065550100","is_mms":false,"message_encoding":0,"message_type":"longcode","status":"delivered",` +
		`"timestamp":"2026-11-26T07:03:48.53Z","to":"12065551234"},"id":"mdr2-39cadeace66e11e7aff806cd7f24ba2d","type":"message"}}`
	mms := `{"data":{"attributes":{"body":"","direction":"inbound","from":"12065550100","is_mms":true,"message_type":"longcode",` +
		`"timestamp":"2026-11-26T07:03:48.53Z","to":"12065551234"},"id":"mdr2-mms1","relationships":{"media":{"data":[]}},"type":"message"},"included":[` +
		`{"attributes":{"file_name":"IMG_0.jpg","file_size":20480,"mime_type":"image/jpeg","url":"https://s3.us-west-2.amazonaws.com/mms/a.jpg"},"id":"mm0","links":{"self":"https://api.flowroute.com/v2.1/media/mm0"},"type":"media"}]}`
	dlr := `{"data":{"attributes":{"body":"On its way","level":2,"status":"delivered","status_code":"1000","status_code_description":"Message delivered to handset",` +
		`"timestamp":"2026-11-26T07:04:00.00Z"},"id":"mdr2-out1","links":{"related":"https://api.flowroute.com/v2.1/messages/mdr2-out1"},"type":"delivery_receipt"}}`
	wh := func(name, scenario, body string) fixtureCase {
		return fixtureCase{template: "flowroute.xml", name: name, scenario: scenario, vars: engine.Vars{"VerifyToken": verifyToken},
			webhook: &webhookCase{body: body, url: hook, header: hdr("Content-Type", "application/vnd.api+json")}}
	}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails bool) fixtureCase {
		return fixtureCase{template: "flowroute.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: fails}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+12065551234"}, map[string]reply{
			"GET /v2/numbers": {200, `{"data":[{"attributes":{"value":"12065551234"},"id":"12065551234","type":"number"}],"links":{"first":"x"}}`}}, false),
		c("SendMessage", "SendMessage", sendVars("+12065551234", "+12065550100"), map[string]reply{"POST /v2.1/messages": {202, sent}}, false),
		c("SendMessage-picture", "SendMessage", withPicture(sendVars("+12065551234", "+12065550100")), map[string]reply{"POST /v2.1/messages": {202, sent}}, false),
		c("SendMessage-unauthorized", "SendMessage", sendVars("+12065551234", "+12065550100"), map[string]reply{"POST /v2.1/messages": {401,
			`{"errors":[{"detail":"Authentication credentials were not provided or are invalid.","id":"4ae8e6ab","status":401,"title":"Unauthorized"}]}`}}, true),
		wh("ReceiveMessage-sms", "ReceiveMessage", sms),
		wh("ReceiveMessage-mms", "ReceiveMessage", mms),
		wh("DeliveryReport", "DeliveryReport", dlr),
	}
}()

// The generic SMS API contract (messaging/sms_generic_test.go), which
// siptrunk.xml and voipms.xml follow under their names.
const (
	genericChallenge = "mAWpGnyeTZgguOPYlWitGPlRJYIhoLMY"
	genericSent      = `{"data":{"id":"b301ed3f-1490-491f-995f-6e64e69674d4","to":[{"phone_number":"+8618012121223","status":"queued"}]}}`
	genericWebhook   = `{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2019-12-09T20:16:07.588+00:00",` +
		`"payload":{"direction":"inbound","encoding":"GSM-7","errors":[],` +
		`"from":{"carrier":"T-Mobile USA","line_type":"long_code","phone_number":"+8618012121222","status":"webhook_delivered"},` +
		`"id":"84cca175-9755-4859-b67f-4730d7f58aa3","media":[{"content_type":null,"sha256":null,"size":null,` +
		`"url":"https://pbs.twimg.com/profile_images/1142168442042118144/AW3F4fFD_400x400.png"}],"parts":1,` +
		`"received_at":"2019-12-09T20:16:07.503+00:00","record_type":"message","text":"Hello from PBX!",` +
		`"to":[{"carrier":"PBX","line_type":"Wireless","phone_number":"+8618012121223","status":"webhook_delivered"}],"type":"SMS/MMS"},` +
		`"record_type":"event"},"meta":{"attempt":1,"delivered_to":"http://webhook.site/04bbd2e3"}}`
)

// genericCases are the cases of a template of the generic SMS API: fields
// name its key and secret fields; base is the provider's address.
func genericCases(template, keyField, secretField, base string) []fixtureCase {
	const secret = "whsec-0123456789"
	fields := engine.Vars{keyField: "key-ABC-123", secretField: secret, "send_url": base + "/sendmessage", "verify_url": base + "/verify"}
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails bool) fixtureCase {
		return fixtureCase{template: template, name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: fails}
	}
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	verifyRoute, sendRoute := "GET "+u.Path+"/verify", "POST "+u.Path+"/sendmessage"
	verify := engine.Vars{"From": "+8618012121223", "Challenge": genericChallenge}
	send := sendVars("+8618012121222", "+8618012121223")
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", verify, map[string]reply{verifyRoute: {200, genericChallenge}}, false),
		c("VerifyChannel-unauthorized", "VerifyChannel", verify, map[string]reply{verifyRoute: {401,
			`{"errors":[{"code":"10004","title":"Authentication failed","detail":"No key found matching the ID with the provided secret."}]}`}}, true),
		c("SendMessage", "SendMessage", send, map[string]reply{sendRoute: {200, genericSent}}, false),
		c("SendMessage-picture", "SendMessage", withPicture(send), map[string]reply{sendRoute: {200, genericSent}}, false),
		c("SendMessage-invalid-number", "SendMessage", send, map[string]reply{sendRoute: {400,
			`{"errors":[{"code":"10001","title":"Invalid 'to' address","detail":"The 'to' address should be a single valid number."}]}`}}, true),
		{template: template, name: "ReceiveMessage", scenario: "ReceiveMessage", fields: engine.Vars{secretField: secret}, webhook: &webhookCase{body: genericWebhook,
			header: hdr("X-Signature-256", "sha256="+hmacHex(secret, genericWebhook), "Content-Type", "application/json")}},
		{template: template, name: "ReceiveMessage-bad-signature", scenario: "ReceiveMessage", fields: engine.Vars{secretField: secret}, fails: true, webhook: &webhookCase{body: genericWebhook,
			header: hdr("X-Signature-256", "sha256="+hmacHex("another-secret", genericWebhook), "Content-Type", "application/json")}},
	}
}

// The addresses of SIPTRUNK's and VoIP.ms's endpoints are fields with no
// default (VoIP.ms's are the manual's examples).
var (
	smsGenericCases = genericCases("sms_generic.xml", "api_key", "secret", "https://sms.example.com/api")
	siptrunkCases   = genericCases("siptrunk.xml", "access_key", "secret_key", "https://api.siptrunk.com/sms")
	voipmsCases     = genericCases("voipms.xml", "api_key", "secret", "https://voip.ms")
)

// Telesign (messaging/telesign_test.go): callbacks signed with the
// base64-decoded API key.
var telesignCases = func() []fixtureCase {
	const customer = "FFFFFFFF-EEEE-DDDD-1234-AB1234567890"
	const key = "EXAMPLETE8sTgg45yusumoN6BYsBVkh+yRJ5czgsnCehZaOYldPJdmFh6NeX8kunZ2zU1YWaUw/0wV6xfw=="
	fields := engine.Vars{"customer_id": customer, "api_key": key}
	sign := func(body string) string {
		raw, err := base64.StdEncoding.DecodeString(key)
		if err != nil {
			panic(err)
		}
		m := hmac.New(sha256.New, raw)
		m.Write([]byte(body))
		return "TSA " + customer + ":" + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	mo := `{"reference_id":"0123456789ABCDEF0123456789ABCDEF","status":{"code":1500,"description":"Received SMS","updated_on":"2026-11-26T07:30:00.000000Z"},` +
		`"submit_timestamp":"2026-11-26T07:30:00.000000Z","user_response":{"iso_country_code":"US","phone_number":"11234567890","sender_id":"14155550100",` +
		`"mo_message":"Hi there","keyword":"","action":"generic"}}`
	dlr := `{"reference_id":"35C8B5A87A0C0A4C9026B44AAD8A6A1B","external_id":null,"status":{"code":200,"description":"Delivered to handset","updated_on":"2026-11-26T07:31:00.000000Z"},` +
		`"additional_info":{"message_parts_count":1,"mnc":"260","mcc":"310"}}`
	sent := `{"reference_id":"35C8B5A87A0C0A4C9026B44AAD8A6A1B","external_id":null,"status":{"code":290,"description":"Message in progress","updated_on":"2026-11-26T07:30:00.000000Z"},"additional_info":{"message_parts_count":1}}`
	send := sendVars("+14155550100", "+14155550123")
	return []fixtureCase{
		{template: "telesign.xml", name: "SendMessage", scenario: "SendMessage", fields: fields, vars: send,
			answers: map[string]reply{"POST /v1/messaging": {200, sent}}},
		{template: "telesign.xml", name: "SendMessage-invalid-customer", scenario: "SendMessage", fields: fields, vars: send, fails: true,
			answers: map[string]reply{"POST /v1/messaging": {401, `{"errors":[{"code":-30000,"description":"Invalid Customer ID."}],"status":{"code":10000,"description":"Invalid credentials"}}`}}},
		{template: "telesign.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", fields: fields,
			webhook: &webhookCase{body: mo, header: hdr("Authorization", sign(mo), "Content-Type", "application/json")}},
		{template: "telesign.xml", name: "DeliveryReport", scenario: "DeliveryReport", fields: fields,
			webhook: &webhookCase{body: dlr, header: hdr("Authorization", sign(dlr), "Content-Type", "application/json")}},
	}
}()

// Telnyx (messaging/telnyx_test.go): webhooks signed with Ed25519 over
// "timestamp|body"; the test key pair is made from a fixed seed, so the
// fixtures are the same at each recording.
var telnyxCases = func() []fixtureCase {
	priv := ed25519.NewKeyFromSeed([]byte("switchboard-telnyx-test-key-seed"))
	pub := base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	fields := engine.Vars{"api_key": "KEY0123456789ABCDEF", "public_key": pub}
	sign := func(body string) http.Header {
		ts := strconv.FormatInt(webhookNow.Add(-time.Minute).Unix(), 10)
		sig := ed25519.Sign(priv, []byte(ts+"|"+body))
		return hdr("Telnyx-Signature-Ed25519", base64.StdEncoding.EncodeToString(sig), "Telnyx-Timestamp", ts, "Content-Type", "application/json")
	}
	inbound := `{"data":{"event_type":"message.received","id":"b301ed3f-1490-491f-995f-6e64e69674d4","occurred_at":"2026-11-26T06:16:07.588+00:00",` +
		`"payload":{"cc":[],"completed_at":null,"cost":null,"direction":"inbound","encoding":"GSM-7","errors":[],` +
		`"from":{"carrier":"T-Mobile USA","line_type":"long_code","phone_number":"+13125550001","status":"webhook_delivered"},` +
		`"id":"84cca175-9755-4859-b67f-4730d7f58aa3","media":[{"content_type":"image/jpeg","hash_sha256":"c4f1","size":2048,"url":"https://media.telnyx.com/a.jpg"}],` +
		`"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","organization_id":"47a530f8-4362-4526-829b-bcee17fd9f7a",` +
		`"parts":1,"received_at":"2026-11-26T06:16:07.503+00:00","record_type":"message","sent_at":null,"tags":[],"text":"Hello, is it shipped?",` +
		`"to":[{"carrier":"Telnyx","line_type":"Wireless","phone_number":"+18445550001","status":"webhook_delivered"}],"type":"MMS","valid_until":null,` +
		`"webhook_failover_url":null,"webhook_url":"https://switchboard.example.com/webhooks/channels/k"},"record_type":"event"},` +
		`"meta":{"attempt":1,"delivered_to":"https://switchboard.example.com/webhooks/channels/k"}}`
	final := `{"data":{"event_type":"message.finalized","id":"4ee8c3a6-4995-4309-a3c6-38e3db9ea4be","occurred_at":"2026-11-26T06:17:00.000+00:00",` +
		`"payload":{"completed_at":"2026-11-26T06:17:00.000+00:00","cost":{"amount":"0.0040","currency":"USD"},"direction":"outbound","encoding":"GSM-7",` +
		`"errors":[],"from":{"carrier":"Telnyx","line_type":"Wireless","phone_number":"+18445550001"},"id":"40385f64-5717-4562-b3fc-2c963f66afa6","media":[],` +
		`"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","parts":1,"record_type":"message","text":"On its way",` +
		`"to":[{"carrier":"T-MOBILE USA, INC.","line_type":"Wireless","phone_number":"+13125550001","status":"delivered"}],"type":"SMS"},"record_type":"event"},` +
		`"meta":{"attempt":1,"delivered_to":"https://switchboard.example.com/webhooks/channels/k"}}`
	sent := `{"data":{"record_type":"message","direction":"outbound","id":"40385f64-5717-4562-b3fc-2c963f66afa6","type":"MMS",` +
		`"messaging_profile_id":"740572b6-099c-44a1-89b9-6c92163bc68d","from":{"phone_number":"+18445550001","carrier":"Telnyx","line_type":"Wireless"},` +
		`"to":[{"phone_number":"+13125550001","status":"queued","carrier":"T-MOBILE USA, INC.","line_type":"Wireless"}],"text":"Your order","media":[],"encoding":"GSM-7","parts":1}}`
	send := sendVars("+18445550001", "+13125550001")
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails bool) fixtureCase {
		return fixtureCase{template: "telnyx.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: fails}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+18445550001"}, map[string]reply{"GET /v2/messaging_profiles": {200,
			`{"data":[{"id":"740572b6-099c-44a1-89b9-6c92163bc68d","name":"Switchboard","record_type":"messaging_profile"}],"meta":{"page_number":1,"page_size":1}}`}}, false),
		c("SendMessage", "SendMessage", withPicture(send), map[string]reply{"POST /v2/messages": {200, sent}}, false),
		c("SendMessage-opted-out", "SendMessage", send, map[string]reply{"POST /v2/messages": {409,
			`{"errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"Messages cannot be sent from +18445550001 to +13125550001 due to an existing block rule."}]}`}}, true),
		{template: "telnyx.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", fields: engine.Vars{"public_key": pub},
			webhook: &webhookCase{body: inbound, header: sign(inbound)}},
		{template: "telnyx.xml", name: "DeliveryReport", scenario: "DeliveryReport", fields: engine.Vars{"public_key": pub},
			webhook: &webhookCase{body: final, header: sign(final)}},
	}
}()

// Twilio (messaging/twilio_test.go): webhooks signed with HMAC-SHA1 of
// the URL and the sorted form fields.
var twilioCases = func() []fixtureCase {
	const token = "12345678901234567890123456789012"
	fields := engine.Vars{"account_sid": twilioAccountSid, "auth_token": token}
	sign := func(form url.Values) http.Header {
		s := channelHook
		for _, k := range slices.Sorted(maps.Keys(form)) {
			s += k + form.Get(k)
		}
		m := hmac.New(sha1.New, []byte(token))
		m.Write([]byte(s))
		return hdr("X-Twilio-Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)), "Content-Type", "application/x-www-form-urlencoded")
	}
	inbound := url.Values{
		"ToCountry": {"US"}, "ToState": {"CA"}, "SmsMessageSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}, "NumMedia": {"2"},
		"SmsSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}, "FromState": {"CA"}, "SmsStatus": {"received"},
		"Body": {"Hello 😀 — ünïcode & 'quotes'"}, "FromCountry": {"US"}, "To": {"+15017122661"}, "NumSegments": {"1"},
		"MessageSid": {"SM1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"}, "AccountSid": {twilioAccountSid}, "From": {"+15558675310"}, "ApiVersion": {"2010-04-01"},
		"MediaUrl0": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"}, "MediaContentType0": {"image/jpeg"},
		"MediaUrl1": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2"}, "MediaContentType1": {"image/png"},
	}
	status := url.Values{"SmsSid": {"SMout1"}, "SmsStatus": {"undelivered"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"},
		"To": {"+15558675310"}, "MessageSid": {"SMout1"}, "AccountSid": {twilioAccountSid}, "From": {"+15017122661"}, "ApiVersion": {"2010-04-01"}}
	send := sendVars("+15017122661", "+15558675310")
	sent := `{"account_sid":"` + twilioAccountSid + `","api_version":"2010-04-01","body":"Your order shipped","direction":"outbound-api","error_code":null,"from":"+15017122661","sid":"SM87105da94bff44b999e4e6eb90d8eb6a","status":"queued","to":"+15558675310"}`
	messages := "POST /2010-04-01/Accounts/" + twilioAccountSid + "/Messages.json"
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails bool) fixtureCase {
		return fixtureCase{template: "twilio.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: fails}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+15017122661"}, map[string]reply{
			"GET /2010-04-01/Accounts/" + twilioAccountSid + ".json": {200, `{"sid":"` + twilioAccountSid + `","status":"active"}`}}, false),
		c("VerifyChannel-unauthorized", "VerifyChannel", engine.Vars{"From": "+15017122661"}, map[string]reply{
			"GET /2010-04-01/Accounts/" + twilioAccountSid + ".json": {401, `{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`}}, true),
		c("SendMessage", "SendMessage", send, map[string]reply{messages: {201, sent}}, false),
		c("SendMessage-pictures", "SendMessage", with(send, "MediaUrls", `["https://example.com/a.jpg","https://example.com/b.png"]`, "MediaUrl", "https://example.com/a.jpg"),
			map[string]reply{messages: {201, sent}}, false),
		c("SendMessage-invalid-number", "SendMessage", with(send, "To", "+1555"), map[string]reply{messages: {400,
			`{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`}}, true),
		{template: "twilio.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", fields: engine.Vars{"auth_token": token},
			webhook: &webhookCase{body: inbound.Encode(), url: channelHook, header: sign(inbound)}},
		{template: "twilio.xml", name: "DeliveryReport-undelivered", scenario: "DeliveryReport", fields: engine.Vars{"auth_token": token},
			webhook: &webhookCase{body: status.Encode(), url: channelHook, header: sign(status)}},
	}
}()

// VoiceMeUp (messaging/voicemeup_test.go): the credentials go in the form;
// errors come inside 200 answers; the webhook URL's token is the proof.
var voiceMeUpCases = func() []fixtureCase {
	fields := engine.Vars{"username": "acme-api", "auth_token": "vmu-token-5c1e"}
	send := withPicture(sendVars("+15145550100", "+15145550123"))
	inbound := `{"sms_hash":"f00dbabe42","source_number":"15145550123","destination_number":"15145550100","message":"Is it in stock?",` +
		`"datetime_transmission":"2026-11-26 07:45:00","direction":"incoming","attachment":""}`
	return []fixtureCase{
		{template: "voicemeup.xml", name: "SendMessage", scenario: "SendMessage", fields: fields, vars: send, answers: map[string]reply{
			"POST /api/v1.1/json/queue_sms": {200, `{"response_details":{"response_status":"success","response_messages":{"message":[{"code":"sms_queued","_content":"SMS queued"},{"code":"queued_sms_hash","_content":"a1b2c3d4e5"}]}}}`}}},
		{template: "voicemeup.xml", name: "SendMessage-error-in-200", scenario: "SendMessage", fields: fields, vars: send, fails: true, answers: map[string]reply{
			"POST /api/v1.1/json/queue_sms": {200, `{"response_details":{"response_status":"error","response_messages":{"message":{"code":"invalid_auth","_content":"Invalid username or auth token"}}}}`}}},
		{template: "voicemeup.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", vars: engine.Vars{"VerifyToken": verifyToken},
			webhook: &webhookCase{body: inbound, url: channelHook + "?token=" + verifyToken, header: hdr("Content-Type", "application/json")}},
	}
}()

// VoIP.ms's REST API (server/messaging_voipms_rest_test.go): credentials
// in the query (masked in the fixture), errors inside 200 answers, and the
// inbound message as the webhook URL's query.
var voipmsRESTCases = func() []fixtureCase {
	fields := engine.Vars{"api_username": "ops@acme.test", "api_password": "vms-pass"}
	send := sendVars("+15145550100", "+15145550123")
	data := "token=" + verifyToken + "&" + url.Values{"from": {"15145550123"}, "to": {"15145550100"}, "message": {"Open today?"}, "id": {"778899"},
		"date": {"2026-11-26 07:50:00"}, "media": {""}}.Encode()
	c := func(name, scenario string, vars engine.Vars, answer string, fails bool) fixtureCase {
		return fixtureCase{template: "voipms_rest.xml", name: name, scenario: scenario, fields: fields, vars: vars, fails: fails,
			answers: map[string]reply{"GET /api/v1/rest.php": {200, answer}}}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+15145550100"}, `{"status":"success","balance":{"current_balance":"12.34"}}`, false),
		c("VerifyChannel-invalid-credentials", "VerifyChannel", engine.Vars{"From": "+15145550100"}, `{"status":"invalid_credentials"}`, true),
		c("SendMessage", "SendMessage", send, `{"status":"success","sms":23434}`, false),
		c("SendMessage-picture", "SendMessage", withPicture(send), `{"status":"success","sms":23435}`, false),
		{template: "voipms_rest.xml", name: "ReceiveMessage", scenario: "ReceiveMessage", vars: engine.Vars{"VerifyToken": verifyToken},
			webhook: &webhookCase{body: data, url: channelHook + "?" + data}},
	}
}()

// WhatsApp Cloud API (whatsapp_cloud_test.go, testdata/whatsapp): webhooks
// signed with the app secret.
var whatsAppCases = func() []fixtureCase {
	const secret = "app-secret"
	fields := engine.Vars{"access_token": "EAAG-secret-token", "app_secret": secret}
	webhook := func(file string) *webhookCase {
		body, err := os.ReadFile(filepath.Join("testdata", "whatsapp", file+".json"))
		if err != nil {
			panic(err)
		}
		return &webhookCase{body: string(body), header: hdr("X-Hub-Signature-256", "sha256="+hmacHex(secret, string(body)), "Content-Type", "application/json")}
	}
	status := `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.out1","status":"delivered",` +
		`"timestamp":"1750263773","recipient_id":"16505551234"}]},"field":"messages"}]}]}`
	send := with(sendVars("+15550783881", "+16505551234"), "NumberId", "106540352242922")
	sent := `{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.out1"}]}`
	c := func(name, scenario string, vars engine.Vars, answers map[string]reply, fails bool) fixtureCase {
		return fixtureCase{template: "whatsapp_cloud.xml", name: name, scenario: scenario, fields: fields, vars: vars, answers: answers, fails: fails}
	}
	wh := func(name, scenario string, w *webhookCase) fixtureCase {
		return fixtureCase{template: "whatsapp_cloud.xml", name: name, scenario: scenario, fields: engine.Vars{"app_secret": secret}, webhook: w}
	}
	return []fixtureCase{
		c("VerifyChannel", "VerifyChannel", engine.Vars{"From": "+15550783881", "NumberId": "106540352242922"}, map[string]reply{
			"GET /v23.0/106540352242922": {200, `{"display_phone_number":"+1 555-078-3881","id":"106540352242922"}`}}, false),
		c("SendMessage", "SendMessage", send, map[string]reply{"POST /v23.0/106540352242922/messages": {200, sent}}, false),
		c("SendMessage-picture", "SendMessage", withPicture(send), map[string]reply{"POST /v23.0/106540352242922/messages": {200, sent}}, false),
		c("SendMessage-outside-24h", "SendMessage", send, map[string]reply{"POST /v23.0/106540352242922/messages": {400,
			`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbCdEf"}}`}}, true),
		c("FetchMedia", "FetchMedia", engine.Vars{"MediaUrl": "https://graph.facebook.com/v23.0/1003383421387256"}, map[string]reply{
			"GET /v23.0/1003383421387256": {200, `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1750263773&hash=ATsx","mime_type":"image/jpeg","sha256":"x","file_size":303833,"id":"1003383421387256"}`}}, false),
		wh("ReceiveMessage-text", "ReceiveMessage", webhook("text")),
		wh("ReceiveMessage-image", "ReceiveMessage", webhook("image")),
		wh("ReceiveMessage-location", "ReceiveMessage", webhook("location")),
		wh("DeliveryReport", "DeliveryReport", &webhookCase{body: status,
			header: hdr("X-Hub-Signature-256", "sha256="+hmacHex(secret, status), "Content-Type", "application/json")}),
	}
}()
