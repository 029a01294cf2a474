package examples_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// frontContract is Front's own OpenAPI document for the Core API, trimmed to
// what the template sends (testdata/README.md says where it is from).
const frontContract = "front-core-api.json"

// frontVars are the ids of earlier steps as Front gives them (crd_…,
// tea_…, cnv_…), over more.
func frontVars(more engine.Vars) engine.Vars {
	out := engine.Vars{"ContactId": "crd_3cgz4ge", "CrmId": "tea_6r55a", "TicketId": "cnv_yo1kg5q", "SearchValue": "+1 (415) 555-0100"}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// frontContractCases hold scenarios of front.xml to Front's document with
// the checker's sample values (an E.164 number, names with quotes), or
// with vars instead where they make a request take another shape. Every
// request front.xml sends, in every scenario that sends one, is one
// Front's own OpenAPI document takes (path, headers, content type, body),
// with no body property it does not declare, and every output it reads is
// in the answer it documents. No error and no warning, with the document
// as published: requests are checked strictly; answers are not validated
// (the checker reads output paths from the response schemas only), which
// is all Front's examples allow (TestFrontDocumentExamplesMissTheirSchemas).
var frontContractCases = []contractCase{
	{
		// No inbox: the discussion goes to the agent's teammate.
		name: "front, every scenario", template: "front.xml", contracts: []string{frontContract},
		fields: engine.Vars{"inbox_id": "", "author_id": ""}, vars: frontVars(nil),
		scenarios: []string{"GetGlobalInfo", "SyncContactAuto", "SearchContact", "UserAssociation", "CreateNewContact",
			"CreateNewTicket", "CallJournal"},
		sent: []string{
			"Scenario[GetGlobalInfo]/Request[GetGlobalInfo]", "Scenario[SyncContactAuto]/Request[contacts]",
			"Scenario[SearchContact]/Request[SearchContact_contacts]", "Scenario[UserAssociation]/Request[UserAssociation]",
			"Scenario[CreateNewContact]/Request[contacts]", "Scenario[CreateNewTicket]/Request[CreateNewTicket]",
			"Scenario[CreateNewTicket]/Request[UpdateTicket]", "Scenario[CallJournal]/Request[CallJournal]",
		},
	},
	{
		// The agent's search by email address.
		name: "front, search by email", template: "front.xml", contracts: []string{frontContract},
		scenarios: []string{"SearchContact"}, vars: frontVars(engine.Vars{"SearchValue": "dana.oneil@example.com"}),
		sent: []string{"Scenario[SearchContact]/Request[SearchContact_contacts]"},
	},
	{
		// A caller without a name, with an email.
		name: "front, contact without a name", template: "front.xml", contracts: []string{frontContract},
		scenarios: []string{"CreateNewContact"},
		vars:      engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com"},
		sent:      []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// An inbox given, an agent without a teammate: the discussion goes to
		// the inbox and its comments are posted as the token.
		name: "front, discussion in an inbox", template: "front.xml", contracts: []string{frontContract},
		scenarios: []string{"CreateNewTicket"}, fields: engine.Vars{"inbox_id": "inb_55c8c149"},
		vars: frontVars(engine.Vars{"CrmId": ""}),
		sent: []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// No agent's teammate and no recording: the configured author writes
		// the note.
		name: "front, journal by the configured author", template: "front.xml", contracts: []string{frontContract},
		scenarios: []string{"CallJournal"}, fields: engine.Vars{"author_id": "tea_e35u"},
		vars: frontVars(engine.Vars{"CrmId": "", "RecordPath": ""}),
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// Front's document gives its answers' examples property by property, and
// some miss their own schemas: a contact's links are strings, each with an
// example that is an array of strings. Answers are therefore not validated
// against it; the local Front of TestFront answers with those examples made
// to fit (links as strings).
func TestFrontDocumentExamplesMissTheirSchemas(t *testing.T) {
	doc := loadDoc(t, frontContract)
	items := doc.Components.Schemas["ContactResponse"].Value.Properties["links"].Value.Items.Value
	require.True(t, items.Type.Is("string"))
	require.Equal(t, []any{"https://shrutefarms.com", "https://eatyourbeets.com"}, items.Example)
	require.Error(t, items.VisitJSON(items.Example), "the example of a link is not a link")
	require.NoError(t, items.VisitJSON("https://shrutefarms.com"))
}
