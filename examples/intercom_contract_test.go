package examples_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatecheck"
)

// intercomContract is Intercom's own OpenAPI document for API 2.14, trimmed
// to what the template sends (testdata/README.md says where it is from).
const intercomContract = "intercom-2.14.yaml"

// intercomIDs are ids as Intercom gives them: contacts are 24 hex digits,
// admins and tickets are numbers (as strings).
var intercomIDs = engine.Vars{"ContactId": "6762f0dd1bb69f9f2193bb83", "CrmId": "991267466", "TicketId": "626", "AdminId": "991267459", "AppId": "abc123de"}

func intercomVars(more engine.Vars) engine.Vars {
	out := engine.Vars{}
	for k, v := range intercomIDs {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// intercomContractCases hold scenarios of intercom.xml to Intercom's
// document with the checker's sample values (an E.164 number, ids, names
// with quotes), or with vars instead where they make a request take
// another shape. Every request intercom.xml sends, in every scenario that
// sends one, is one Intercom's own OpenAPI document takes (path, headers,
// content type, body), with no body property it does not declare, and
// every output it reads is in the answer it documents, once the document's
// two faults are relaxed in memory (intercomRelax; TestIntercomDocumentFaults
// shows them). No error and no warning.
var intercomContractCases = []contractCase{
	{
		name: "intercom, every scenario", template: "intercom.xml", contracts: []string{intercomContract},
		mend: intercomRelax, unloadable: true,
		fields: engine.Vars{"ticket_type_id": "88"}, vars: intercomVars(nil),
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
		// A user rather than a lead, without a name, with an email.
		name: "intercom, user without a name", template: "intercom.xml", contracts: []string{intercomContract},
		mend: intercomRelax, unloadable: true,
		scenarios: []string{"CreateNewContact"}, fields: engine.Vars{"contact_role": "user"},
		vars: engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com"},
		sent: []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// No agent's admin id: the ticket is not assigned, the token's admin writes the note.
		name: "intercom, ticket without an agent", template: "intercom.xml", contracts: []string{intercomContract},
		mend: intercomRelax, unloadable: true,
		scenarios: []string{"CreateNewTicket"}, fields: engine.Vars{"ticket_type_id": "88"},
		vars: intercomVars(engine.Vars{"CrmId": ""}),
		sent: []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// No recording, no agent: the note has no link and the token's admin writes it.
		name: "intercom, journal without a recording or an agent", template: "intercom.xml", contracts: []string{intercomContract},
		mend: intercomRelax, unloadable: true,
		scenarios: []string{"CallJournal"},
		vars:      intercomVars(engine.Vars{"RecordPath": "", "CrmId": ""}),
		sent:      []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// intercomRelax mends the document's two faults, in memory:
//   - ticket_custom_attributes and ticket_request_custom_attributes allow
//     an array value without saying of what (`type: array` with no
//     `items`), which OpenAPI 3.0 forbids: the document does not load
//     (intercomMendArrays).
//   - Create a note types the path's contact_id as an integer, though
//     contact ids are strings of hex digits (the document's own contact
//     example, 6762f0dd1bb69f9f2193bb83, and this operation's own example
//     body, contact_id "6762f0ad1bb69f9f2193bb62"). It is a string here.
func intercomRelax(t *testing.T, doc *openapi3.T) {
	intercomMendArrays(t, doc)
	for _, p := range doc.Paths.Value("/contacts/{contact_id}/notes").Post.Parameters {
		if p.Value.Name == "contact_id" {
			p.Value.Schema = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
		}
	}
}

// The faults intercomRelax mends are in the document as published: it does
// not load, and once it does, a contact id as Intercom gives them is refused
// in Create a note's path.
func TestIntercomDocumentFaults(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", intercomContract))
	require.NoError(t, err)
	_, err = templatecheck.LoadContract(intercomContract, data)
	require.ErrorContains(t, err, `schema 'items' must be non-null`)
	var bare []string
	for _, name := range []string{"ticket_custom_attributes", "ticket_request_custom_attributes"} {
		doc := loadDoc(t, intercomContract)
		for _, alt := range doc.Components.Schemas[name].Value.AdditionalProperties.Schema.Value.AnyOf {
			if alt.Value.Type.Is("array") && alt.Value.Items == nil {
				bare = append(bare, name)
			}
		}
	}
	require.Equal(t, []string{"ticket_custom_attributes", "ticket_request_custom_attributes"}, bare, "an array of nothing said, in each")

	// Only the array mended: the journal's note is refused for its path.
	tmpl := loadShipped(t, "intercom.xml")
	got := templatecheck.Check(context.Background(), "intercom.xml", tmpl, loadContracts(t, []string{intercomContract}, intercomMendArrays), templatecheck.Options{Scenarios: []string{"CallJournal"}, Vars: intercomVars(nil)})
	require.Len(t, got.Errors(), 1, "%v", got)
	require.Equal(t, "Scenario[CallJournal]/Request[CallJournal]", got.Errors()[0].Path)
	require.Contains(t, got.Errors()[0].Message, `parameter "contact_id" in path`)
}

// intercomMendArrays gives the two custom attribute schemas' bare array
// (`type: array`, no `items`) items of any kind.
func intercomMendArrays(_ *testing.T, doc *openapi3.T) {
	for _, name := range []string{"ticket_custom_attributes", "ticket_request_custom_attributes"} {
		for _, alt := range doc.Components.Schemas[name].Value.AdditionalProperties.Schema.Value.AnyOf {
			if alt.Value.Type.Is("array") && alt.Value.Items == nil {
				alt.Value.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
			}
		}
	}
}
