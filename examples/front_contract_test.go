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

// frontContract is Front's own OpenAPI document for the Core API, trimmed to
// what the template sends (testdata/README.md says where it is from).
const frontContract = "front-core-api.json"

// frontCase holds scenarios of front.xml to Front's document with the
// checker's sample values (an E.164 number, names with quotes), or with
// vars instead where they make a request take another shape.
type frontCase struct {
	name      string
	scenarios []string
	// fields are custom field values instead of the samples.
	fields, vars engine.Vars
	// sent are the requests that must be sent (and so checked), as the
	// problems name them: none is skipped.
	sent []string
}

// frontVars are the ids of earlier steps as Front gives them (crd_…,
// tea_…, cnv_…), over more.
func frontVars(more engine.Vars) engine.Vars {
	out := engine.Vars{"ContactId": "crd_3cgz4ge", "CrmId": "tea_6r55a", "TicketId": "cnv_yo1kg5q", "SearchValue": "+1 (415) 555-0100"}
	for k, v := range more {
		out[k] = v
	}
	return out
}

var frontCases = []frontCase{
	{
		// No inbox: the discussion goes to the agent's teammate.
		name: "every scenario", fields: engine.Vars{"inbox_id": "", "author_id": ""}, vars: frontVars(nil),
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
		name: "search by email", scenarios: []string{"SearchContact"}, vars: frontVars(engine.Vars{"SearchValue": "dana.oneil@example.com"}),
		sent: []string{"Scenario[SearchContact]/Request[SearchContact_contacts]"},
	},
	{
		// A caller without a name, with an email.
		name: "contact without a name", scenarios: []string{"CreateNewContact"},
		vars: engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com"},
		sent: []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// An inbox given, an agent without a teammate: the discussion goes to
		// the inbox and its comments are posted as the token.
		name: "discussion in an inbox", scenarios: []string{"CreateNewTicket"}, fields: engine.Vars{"inbox_id": "inb_55c8c149"},
		vars: frontVars(engine.Vars{"CrmId": ""}),
		sent: []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// No agent's teammate and no recording: the configured author writes
		// the note.
		name: "journal by the configured author", scenarios: []string{"CallJournal"}, fields: engine.Vars{"author_id": "tea_e35u"},
		vars: frontVars(engine.Vars{"CrmId": "", "RecordPath": ""}),
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// Every request front.xml sends, in every scenario that sends one, is one
// Front's own OpenAPI document takes (path, headers, content type, body),
// with no body property it does not declare, and every output it reads is
// in the answer it documents. No error and no warning, with the document as
// published: requests are checked strictly; answers are not validated (the
// checker reads output paths from the response schemas only), which is all
// Front's examples allow (TestFrontDocumentExamplesMissTheirSchemas).
func TestFrontRequestsFollowFrontsContract(t *testing.T) {
	tmpl := frontTemplate(t)
	for _, tc := range frontCases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(contracts []*templatecheck.Contract) templates.Problems {
				return templatecheck.Check(context.Background(), "front.xml", tmpl, contracts,
					templatecheck.Options{Scenarios: tc.scenarios, Fields: tc.fields, Vars: tc.vars})
			}
			got := check(frontLoadContract(t, nil))
			require.Empty(t, got, "%v", got)

			// Each request was sent, not skipped: with a header every
			// operation requires and no request has, each one sent is
			// refused once, at its place.
			var sent []string
			for _, p := range check(frontLoadContract(t, frontRequireProbe)).Errors() {
				if strings.Contains(p.Message, `parameter "X-Contract-Probe" in header`) {
					sent = append(sent, p.Path)
				}
			}
			require.ElementsMatch(t, tc.sent, sent)
		})
	}
}

// The cases check every scenario of the template that sends requests.
func TestFrontContractCasesCoverEveryScenario(t *testing.T) {
	var checked []string
	for _, tc := range frontCases {
		checked = append(checked, tc.scenarios...)
	}
	var sending []string
	for _, sc := range frontTemplate(t).Source.Scenarios {
		if sc.ID != templates.ScenarioAuth && slices.ContainsFunc(sc.Requests, func(r *templates.Request) bool { return strings.TrimSpace(r.Method) != "" }) {
			sending = append(sending, sc.ID)
		}
	}
	slices.Sort(checked)
	require.ElementsMatch(t, sending, slices.Compact(checked))
}

func frontTemplate(t *testing.T) *engine.Template {
	t.Helper()
	data, err := os.ReadFile("front.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("front.xml", data, engine.Options{})
	require.Empty(t, problems)
	return tmpl
}

// frontLoadContract reads Front's document as published, or changed by
// change (in memory: the file stays as Front publishes it).
func frontLoadContract(t *testing.T, change func(*openapi3.T)) []*templatecheck.Contract {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", frontContract))
	require.NoError(t, err)
	if change != nil {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		require.NoError(t, err)
		change(doc)
		data, err = json.Marshal(doc)
		require.NoError(t, err)
	}
	c, err := templatecheck.LoadContract(frontContract, data)
	require.NoError(t, err)
	return []*templatecheck.Contract{c}
}

// frontRequireProbe makes every operation require a header no template
// sends.
func frontRequireProbe(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "X-Contract-Probe", In: openapi3.ParameterInHeader, Required: true,
				Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}})
		}
	}
}

// Front's document gives its answers' examples property by property, and
// some miss their own schemas: a contact's links are strings, each with an
// example that is an array of strings. Answers are therefore not validated
// against it; the local Front of TestFront answers with those examples made
// to fit (links as strings).
func TestFrontDocumentExamplesMissTheirSchemas(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", frontContract))
	require.NoError(t, err)
	items := doc.Components.Schemas["ContactResponse"].Value.Properties["links"].Value.Items.Value
	require.True(t, items.Type.Is("string"))
	require.Equal(t, []any{"https://shrutefarms.com", "https://eatyourbeets.com"}, items.Example)
	require.Error(t, items.VisitJSON(items.Example), "the example of a link is not a link")
	require.NoError(t, items.VisitJSON("https://shrutefarms.com"))
}
