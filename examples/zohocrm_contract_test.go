package examples_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatecheck"
)

// zohocrmContracts are Zoho's own OpenAPI documents for CRM v8, trimmed to
// what the template sends (testdata/README.md says where each is from).
var zohocrmContracts = []string{
	"zoho-crm-record-v8.json",
	"zoho-crm-users-v8.json",
}

// zohocrmContactFields are the Contacts fields the template reads from a
// search, by API name, as Zoho's Contacts module has them: a lookup
// (Account_Name) answers {name, id}.
var zohocrmContactFields = []string{"First_Name", "Last_Name", "Email", "Phone", "Mobile", "Account_Name"}

// zohocrmQuirks are the errors the published documents give, which the
// mend (zohocrmRecordHasContactFields) answers: the Record schema declares
// only the fields every module has (id, Created_By, Tag, …) and leaves a
// module's own fields to additionalProperties, so the checker, which
// follows declared properties, cannot find a contact's name or numbers in
// a search's answer.
var zohocrmQuirks = func() []string {
	var out []string
	for _, f := range zohocrmContactFields {
		out = append(out, `(data.# has no property "`+f+`") is not in the 200 answer of GET /crm/v8/{module_api_name}/search`)
	}
	return out
}()

// zohocrmContractCases hold scenarios of zohocrm.xml to Zoho's documents
// with the checker's sample values (an E.164 number, numeric ids, names
// with quotes), or with vars instead where they make a request take
// another shape. Every request zohocrm.xml sends, in every scenario that
// sends one, is one Zoho's own OpenAPI documents take (path, query,
// headers, content type, body), and every output it reads is in the
// answer they document, once the Record schema declares the Contacts
// fields (the mend, where a case reads a search's answer: the quirks are
// the errors the documents give there as published). No error; each
// warning would be listed in its case with why: none so far (Zoho's
// Record is open to any field, so no body property is undeclared).
var zohocrmContractCases = []contractCase{
	{
		name: "zohocrm, every scenario", template: "zohocrm.xml", contracts: zohocrmContracts,
		mend: zohocrmRecordHasContactFields, quirks: zohocrmQuirks,
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
		// The next page of users.
		name: "zohocrm, users, next page", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"UserAssociation"},
		vars:      engine.Vars{"Page": "2", "Offset": "200", "PageSize": "200"},
		sent:      []string{"Scenario[UserAssociation]/Request[UserAssociation]"},
	},
	{
		// A caller without a name, with an email; and one with a first name only.
		name: "zohocrm, contact without a name", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CreateNewContact"},
		vars:      engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com"},
		sent:      []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		name: "zohocrm, contact with one name", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CreateNewContact"},
		vars:      engine.Vars{"LastName": ""},
		sent:      []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// No known contact or owner: the case has no lookup.
		name: "zohocrm, case on no record", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CreateNewTicket"},
		vars:      engine.Vars{"ContactId": "", "CrmId": ""},
		sent:      []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// The agent's call, known from its hangup only.
		name: "zohocrm, journal, outbound", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CallJournal"},
		vars:      engine.Vars{"Communication_Type": "Outbound", "StartTimeUnix": "", "TicketId": ""},
		sent:      []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// An inbound call nobody answered: no duration.
		name: "zohocrm, journal, missed", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CallJournal"},
		vars:      engine.Vars{"Call_Status": "Missed", "CallDisposition": "NO ANSWER", "Talk_Duration_Sec": "0", "RecordPath": ""},
		sent:      []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// Logged on no record: no contact, case or owner is known.
		name: "zohocrm, journal on no record", template: "zohocrm.xml", contracts: zohocrmContracts,
		scenarios: []string{"CallJournal"},
		vars:      engine.Vars{"ContactId": "", "TicketId": "", "CrmId": ""},
		sent:      []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// The mend is still needed: as published, the documents give exactly the
// quirks (the search's outputs, in both lookups), and nothing else.
func TestZohoCRMRecordSchemaLeavesModuleFieldsUndeclared(t *testing.T) {
	got := templatecheck.Check(context.Background(), "zohocrm.xml", loadShipped(t, "zohocrm.xml"), loadContracts(t, zohocrmContracts, nil), templatecheck.Options{})
	require.Empty(t, got.Warnings(), "%v", got)
	require.Len(t, got.Errors(), 2*len(zohocrmQuirks), "%v", got)
	for _, q := range zohocrmQuirks {
		n := 0
		for _, p := range got.Errors() {
			if strings.Contains(p.Message, q) {
				n++
			}
		}
		require.Equal(t, 2, n, "SyncContactAuto and SearchContact each: %s", q)
	}

	// The schema as published: open to any field, declaring none of a contact's.
	doc := loadDoc(t, "zoho-crm-record-v8.json")
	record := doc.Components.Schemas["Record"].Value
	require.NotNil(t, record.AdditionalProperties.Has)
	require.True(t, *record.AdditionalProperties.Has)
	for _, f := range zohocrmContactFields {
		require.NotContains(t, record.Properties, f)
	}
}

// zohocrmRecordHasContactFields declares, in the Record schema, the
// Contacts fields the template reads, as Zoho's Contacts module has them
// (text fields; Account_Name a lookup, {name, id}).
func zohocrmRecordHasContactFields(_ *testing.T, doc *openapi3.T) {
	ref, ok := doc.Components.Schemas["Record"]
	if !ok {
		return
	}
	for _, f := range zohocrmContactFields {
		s := openapi3.NewStringSchema()
		if f == "Account_Name" {
			s = openapi3.NewObjectSchema().WithProperty("name", openapi3.NewStringSchema()).WithProperty("id", openapi3.NewStringSchema())
		}
		ref.Value.WithProperty(f, s)
	}
}
