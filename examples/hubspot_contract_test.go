package examples_test

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// hubspotContracts are HubSpot's own OpenAPI documents, trimmed to what the
// template sends (testdata/README.md says where each is from).
var hubspotContracts = []string{
	"hubspot-account-info-v3.json",
	"hubspot-crm-contacts-v3.json",
	"hubspot-crm-owners-v3.yaml",
	"hubspot-crm-tickets-v3.json",
	"hubspot-crm-notes-v3.json",
	"hubspot-crm-calls-v3.json",
}

// hubspotContractCases hold scenarios of hubspot.xml to HubSpot's
// documents with the checker's sample values (an E.164 number, numeric
// ids, names with quotes), or with vars instead where they make a request
// take another shape. Every request hubspot.xml sends, in every scenario
// that sends one, is one HubSpot's own OpenAPI documents take (path,
// headers, content type, body), with no body property they do not
// declare, and every output it reads is in the answer they document. No
// error and no warning, with the documents as published: none needs
// excusing.
var hubspotContractCases = []contractCase{
	{
		// The Hub ID left empty, as it should be: GetGlobalInfo reads it.
		name: "hubspot, every scenario", template: "hubspot.xml", contracts: hubspotContracts,
		fields: engine.Vars{"portal_id": ""},
		scenarios: []string{"GetGlobalInfo", "SyncContactAuto", "SearchContact", "UserAssociation", "CreateNewContact",
			"CreateNewTicket", "CallJournal", "ChatJournal"},
		sent: []string{
			"Scenario[GetGlobalInfo]/Request[GetGlobalInfo]", "Scenario[SyncContactAuto]/Request[contacts]",
			"Scenario[SearchContact]/Request[SearchContact_contacts]", "Scenario[UserAssociation]/Request[UserAssociation]",
			"Scenario[CreateNewContact]/Request[contacts]", "Scenario[CreateNewTicket]/Request[CreateNewTicket]",
			"Scenario[CreateNewTicket]/Request[UpdateTicket]", "Scenario[CallJournal]/Request[CallJournal]",
			"Scenario[ChatJournal]/Request[ChatJournal]",
		},
	},
	{
		// A chat with a customer no contact has: an unassociated note.
		name: "hubspot, chat journal without a contact", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"ChatJournal"}, vars: engine.Vars{"ContactId": "", "CrmId": ""},
		sent: []string{"Scenario[ChatJournal]/Request[ChatJournal]"},
	},
	{
		// The Hub ID given: GetGlobalInfo checks the token on one owner.
		name: "hubspot, Hub ID given", template: "hubspot.xml", contracts: hubspotContracts,
		fields: engine.Vars{"portal_id": "12345678"}, scenarios: []string{"GetGlobalInfo"},
		sent: []string{"Scenario[GetGlobalInfo]/Request[CheckToken]"},
	},
	{
		// The next page of owners: the cursor HubSpot gave, back as after.
		name: "hubspot, owners, next page", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"UserAssociation"},
		vars:      engine.Vars{"Cursor": "NTI1Cg%3D%3D"},
		sent:      []string{"Scenario[UserAssociation]/Request[UserAssociation]"},
	},
	{
		// A caller without a name, with an email and a company.
		name: "hubspot, contact without a name", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"CreateNewContact"},
		vars:      engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com", "Company": "Acme"},
		sent:      []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// No known contact, no owner: the ticket has no association.
		name: "hubspot, ticket on no record", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"CreateNewTicket"},
		vars:      engine.Vars{"ContactId": "", "CrmId": ""},
		sent:      []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// An outbound call nobody answered, without a recording or a
		// ticket, known from its hangup only.
		name: "hubspot, journal, outbound unanswered", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"CallJournal"},
		vars: engine.Vars{"Communication_Type": "Outbound", "Call_Status": "Missed", "CallDisposition": "NO ANSWER",
			"RecordPath": "", "TicketId": "", "StartTimeUnix": "", "Talk_Duration_Sec": "0"},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// Logged on no record: no contact, ticket or owner is known.
		name: "hubspot, journal on no record", template: "hubspot.xml", contracts: hubspotContracts,
		scenarios: []string{"CallJournal"},
		vars:      engine.Vars{"ContactId": "", "TicketId": "", "CrmId": "", "CallDisposition": "BUSY"},
		sent:      []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// HubSpot's search request marks after and sorts required, though its
// guide's examples leave them out: a search without them is refused by the
// document, which is why the template sends the first page ("0") and no
// sorting ([]). The template's bodies pass.
func TestHubSpotSearchDocumentRequiresAfterAndSorts(t *testing.T) {
	doc := loadDoc(t, "hubspot-crm-contacts-v3.json")
	schema := doc.Components.Schemas["PublicObjectSearchRequest"].Value
	require.Subset(t, schema.Required, []string{"after", "sorts"})
	var bare any
	require.NoError(t, json.Unmarshal([]byte(`{"filterGroups":[],"properties":["firstname"],"limit":10}`), &bare))
	err := schema.VisitJSON(bare, openapi3.MultiErrors())
	require.ErrorContains(t, err, `property "after" is missing`)
	require.ErrorContains(t, err, `property "sorts" is missing`)
	var sent any
	require.NoError(t, json.Unmarshal([]byte(`{"filterGroups":[],"properties":["firstname"],"sorts":[],"limit":10,"after":"0"}`), &sent))
	require.NoError(t, schema.VisitJSON(sent))
}
