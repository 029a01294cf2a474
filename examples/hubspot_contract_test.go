package examples_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatecheck"
	"github.com/switchboard/switchboard/templates"
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

// hubspotCase holds scenarios of hubspot.xml to HubSpot's documents with
// the checker's sample values (an E.164 number, numeric ids, names with
// quotes), or with vars instead where they make a request take another
// shape.
type hubspotCase struct {
	name      string
	scenarios []string
	// fields are custom field values instead of the samples.
	fields, vars engine.Vars
	// sent are the requests that must be sent (and so checked), as the
	// problems name them: none is skipped.
	sent []string
}

var hubspotCases = []hubspotCase{
	{
		// The Hub ID left empty, as it should be: GetGlobalInfo reads it.
		name: "every scenario", fields: engine.Vars{"portal_id": ""},
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
		// The Hub ID given: GetGlobalInfo checks the token on one owner.
		name: "Hub ID given", fields: engine.Vars{"portal_id": "12345678"}, scenarios: []string{"GetGlobalInfo"},
		sent: []string{"Scenario[GetGlobalInfo]/Request[CheckToken]"},
	},
	{
		// The next page of owners: the cursor HubSpot gave, back as after.
		name: "owners, next page", scenarios: []string{"UserAssociation"},
		vars: engine.Vars{"Cursor": "NTI1Cg%3D%3D"},
		sent: []string{"Scenario[UserAssociation]/Request[UserAssociation]"},
	},
	{
		// A caller without a name, with an email and a company.
		name: "contact without a name", scenarios: []string{"CreateNewContact"},
		vars: engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com", "Company": "Acme"},
		sent: []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// No known contact, no owner: the ticket has no association.
		name: "ticket on no record", scenarios: []string{"CreateNewTicket"},
		vars: engine.Vars{"ContactId": "", "CrmId": ""},
		sent: []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// An outbound call nobody answered, without a recording or a
		// ticket, known from its hangup only.
		name: "journal, outbound unanswered", scenarios: []string{"CallJournal"},
		vars: engine.Vars{"Communication_Type": "Outbound", "Call_Status": "Missed", "CallDisposition": "NO ANSWER",
			"RecordPath": "", "TicketId": "", "StartTimeUnix": "", "Talk_Duration_Sec": "0"},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// Logged on no record: no contact, ticket or owner is known.
		name: "journal on no record", scenarios: []string{"CallJournal"},
		vars: engine.Vars{"ContactId": "", "TicketId": "", "CrmId": "", "CallDisposition": "BUSY"},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// Every request hubspot.xml sends, in every scenario that sends one, is
// one HubSpot's own OpenAPI documents take (path, headers, content type,
// body), with no body property they do not declare, and every output it
// reads is in the answer they document. No error and no warning: none
// needs excusing.
func TestHubSpotRequestsFollowHubSpotsContracts(t *testing.T) {
	tmpl := hubspotTemplate(t)
	for _, tc := range hubspotCases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(contracts []*templatecheck.Contract) templates.Problems {
				return templatecheck.Check(context.Background(), "hubspot.xml", tmpl, contracts,
					templatecheck.Options{Scenarios: tc.scenarios, Fields: tc.fields, Vars: tc.vars})
			}
			got := check(hubspotLoadContracts(t, nil))
			require.Empty(t, got, "%v", got)

			// Each request was sent, not skipped: with a header every
			// operation requires and no request has, each one sent is
			// refused once, at its place.
			var sent []string
			for _, p := range check(hubspotLoadContracts(t, hubspotRequireProbe)).Errors() {
				if strings.Contains(p.Message, `parameter "X-Contract-Probe" in header`) {
					sent = append(sent, p.Path)
				}
			}
			require.ElementsMatch(t, tc.sent, sent)
		})
	}
}

// The cases check every scenario of the template that sends requests.
func TestHubSpotContractCasesCoverEveryScenario(t *testing.T) {
	var checked []string
	for _, tc := range hubspotCases {
		checked = append(checked, tc.scenarios...)
	}
	var sending []string
	for _, sc := range hubspotTemplate(t).Source.Scenarios {
		if sc.ID != templates.ScenarioAuth && slices.ContainsFunc(sc.Requests, func(r *templates.Request) bool { return strings.TrimSpace(r.Method) != "" }) {
			sending = append(sending, sc.ID)
		}
	}
	slices.Sort(checked)
	require.ElementsMatch(t, sending, slices.Compact(checked))
}

// HubSpot's search request marks after and sorts required, though its
// guide's examples leave them out: a search without them is refused by the
// document, which is why the template sends the first page ("0") and no
// sorting ([]). The template's bodies pass.
func TestHubSpotSearchDocumentRequiresAfterAndSorts(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", "hubspot-crm-contacts-v3.json"))
	require.NoError(t, err)
	schema := doc.Components.Schemas["PublicObjectSearchRequest"].Value
	require.Subset(t, schema.Required, []string{"after", "sorts"})
	var bare any
	require.NoError(t, json.Unmarshal([]byte(`{"filterGroups":[],"properties":["firstname"],"limit":10}`), &bare))
	err = schema.VisitJSON(bare, openapi3.MultiErrors())
	require.ErrorContains(t, err, `property "after" is missing`)
	require.ErrorContains(t, err, `property "sorts" is missing`)
	var sent any
	require.NoError(t, json.Unmarshal([]byte(`{"filterGroups":[],"properties":["firstname"],"sorts":[],"limit":10,"after":"0"}`), &sent))
	require.NoError(t, schema.VisitJSON(sent))
}

func hubspotTemplate(t *testing.T) *engine.Template {
	t.Helper()
	data, err := os.ReadFile("hubspot.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("hubspot.xml", data, engine.Options{})
	require.Empty(t, problems)
	return tmpl
}

// hubspotLoadContracts reads HubSpot's documents as published, or changed
// by change (in memory: the files stay as HubSpot publishes them).
func hubspotLoadContracts(t *testing.T, change func(*openapi3.T)) []*templatecheck.Contract {
	t.Helper()
	var out []*templatecheck.Contract
	for _, file := range hubspotContracts {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		if change != nil {
			doc, err := openapi3.NewLoader().LoadFromData(data)
			require.NoError(t, err)
			change(doc)
			data, err = json.Marshal(doc)
			require.NoError(t, err)
		}
		c, err := templatecheck.LoadContract(file, data)
		require.NoError(t, err, file)
		out = append(out, c)
	}
	return out
}

// hubspotRequireProbe makes every operation require a header no template
// sends.
func hubspotRequireProbe(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "X-Contract-Probe", In: openapi3.ParameterInHeader, Required: true,
				Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}})
		}
	}
}
