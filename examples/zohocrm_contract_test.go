package examples_test

import (
	"context"
	"encoding/json"
	"maps"
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

// zohocrmCase holds scenarios of zohocrm.xml to Zoho's documents with the
// checker's sample values (an E.164 number, numeric ids, names with
// quotes), or with vars instead where they make a request take another
// shape.
type zohocrmCase struct {
	name      string
	scenarios []string
	vars      engine.Vars
	// warnings are the warnings the check gives, each with why it is
	// acceptable: none so far (Zoho's Record is open to any field, so no
	// body property is undeclared).
	warnings map[string]string
	// sent are the requests that must be sent (and so checked), as the
	// problems name them: none is skipped.
	sent []string
}

var zohocrmCases = []zohocrmCase{
	{
		name: "every scenario",
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
		name: "users, next page", scenarios: []string{"UserAssociation"},
		vars: engine.Vars{"Page": "2", "Offset": "200", "PageSize": "200"},
		sent: []string{"Scenario[UserAssociation]/Request[UserAssociation]"},
	},
	{
		// A caller without a name, with an email; and one with a first name only.
		name: "contact without a name", scenarios: []string{"CreateNewContact"},
		vars: engine.Vars{"FirstName": "", "LastName": "", "Email": "dana@example.com"},
		sent: []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		name: "contact with one name", scenarios: []string{"CreateNewContact"},
		vars: engine.Vars{"LastName": ""},
		sent: []string{"Scenario[CreateNewContact]/Request[contacts]"},
	},
	{
		// No known contact or owner: the case has no lookup.
		name: "case on no record", scenarios: []string{"CreateNewTicket"},
		vars: engine.Vars{"ContactId": "", "CrmId": ""},
		sent: []string{"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]"},
	},
	{
		// The agent's call, known from its hangup only.
		name: "journal, outbound", scenarios: []string{"CallJournal"},
		vars: engine.Vars{"Communication_Type": "Outbound", "StartTimeUnix": "", "TicketId": ""},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// An inbound call nobody answered: no duration.
		name: "journal, missed", scenarios: []string{"CallJournal"},
		vars: engine.Vars{"Call_Status": "Missed", "CallDisposition": "NO ANSWER", "Talk_Duration_Sec": "0", "RecordPath": ""},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		// Logged on no record: no contact, case or owner is known.
		name: "journal on no record", scenarios: []string{"CallJournal"},
		vars: engine.Vars{"ContactId": "", "TicketId": "", "CrmId": ""},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
}

// Every request zohocrm.xml sends, in every scenario that sends one, is
// one Zoho's own OpenAPI documents take (path, query, headers, content
// type, body), and every output it reads is in the answer they document,
// once the Record schema declares the Contacts fields (the mend). No error;
// each warning is listed in its case with why.
func TestZohoCRMRequestsFollowZohosContracts(t *testing.T) {
	tmpl := zohocrmTemplate(t)
	for _, tc := range zohocrmCases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(contracts []*templatecheck.Contract) templates.Problems {
				return templatecheck.Check(context.Background(), "zohocrm.xml", tmpl, contracts,
					templatecheck.Options{Scenarios: tc.scenarios, Vars: tc.vars})
			}
			got := check(zohocrmLoadContracts(t, zohocrmRecordHasContactFields))
			require.Empty(t, got.Errors(), "%v", got)
			for _, w := range got.Warnings() {
				require.True(t, slices.ContainsFunc(slices.Collect(maps.Keys(tc.warnings)), func(k string) bool { return strings.Contains(w.Message, k) }),
					"a warning nobody has excused: %s", w)
			}
			for k := range tc.warnings {
				require.True(t, slices.ContainsFunc(got.Warnings(), func(p templates.Problem) bool { return strings.Contains(p.Message, k) }),
					"an excused warning that is no longer given: %s", k)
			}

			// Each request was sent, not skipped: with a header every
			// operation requires and no request has, each one sent is
			// refused once, at its place.
			var sent []string
			for _, p := range check(zohocrmLoadContracts(t, zohocrmRecordHasContactFields, zohocrmRequireProbe)).Errors() {
				if strings.Contains(p.Message, `parameter "X-Contract-Probe" in header`) {
					sent = append(sent, p.Path)
				}
			}
			require.ElementsMatch(t, tc.sent, sent)
		})
	}
}

// The mend is still needed: as published, the documents give exactly the
// quirks (the search's outputs, in both lookups), and nothing else.
func TestZohoCRMRecordSchemaLeavesModuleFieldsUndeclared(t *testing.T) {
	got := templatecheck.Check(context.Background(), "zohocrm.xml", zohocrmTemplate(t), zohocrmLoadContracts(t), templatecheck.Options{})
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
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", "zoho-crm-record-v8.json"))
	require.NoError(t, err)
	record := doc.Components.Schemas["Record"].Value
	require.NotNil(t, record.AdditionalProperties.Has)
	require.True(t, *record.AdditionalProperties.Has)
	for _, f := range zohocrmContactFields {
		require.NotContains(t, record.Properties, f)
	}
}

// The cases check every scenario of the template that sends requests.
func TestZohoCRMContractCasesCoverEveryScenario(t *testing.T) {
	var checked []string
	for _, tc := range zohocrmCases {
		checked = append(checked, tc.scenarios...)
	}
	var sending []string
	for _, sc := range zohocrmTemplate(t).Source.Scenarios {
		if sc.ID != templates.ScenarioAuth && slices.ContainsFunc(sc.Requests, func(r *templates.Request) bool { return strings.TrimSpace(r.Method) != "" }) {
			sending = append(sending, sc.ID)
		}
	}
	slices.Sort(checked)
	require.ElementsMatch(t, sending, slices.Compact(checked))
}

func zohocrmTemplate(t *testing.T) *engine.Template {
	t.Helper()
	data, err := os.ReadFile("zohocrm.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("zohocrm.xml", data, engine.Options{})
	require.Empty(t, problems)
	return tmpl
}

// zohocrmLoadContracts reads Zoho's documents as published, or changed by
// changes (in memory: the files stay as Zoho publishes them).
func zohocrmLoadContracts(t *testing.T, changes ...func(*openapi3.T)) []*templatecheck.Contract {
	t.Helper()
	var out []*templatecheck.Contract
	for _, file := range zohocrmContracts {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		if len(changes) > 0 {
			doc, err := openapi3.NewLoader().LoadFromData(data)
			require.NoError(t, err)
			for _, change := range changes {
				change(doc)
			}
			data, err = json.Marshal(doc)
			require.NoError(t, err)
		}
		c, err := templatecheck.LoadContract(file, data)
		require.NoError(t, err, file)
		out = append(out, c)
	}
	return out
}

// zohocrmRecordHasContactFields declares, in the Record schema, the
// Contacts fields the template reads, as Zoho's Contacts module has them
// (text fields; Account_Name a lookup, {name, id}).
func zohocrmRecordHasContactFields(doc *openapi3.T) {
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

// zohocrmRequireProbe makes every operation require a header no template
// sends.
func zohocrmRequireProbe(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "X-Contract-Probe", In: openapi3.ParameterInHeader, Required: true,
				Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}})
		}
	}
}
