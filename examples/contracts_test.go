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

// contractCase holds some scenarios of a shipped template to the vendor's
// own OpenAPI document (trimmed copies in testdata; README.md there says
// where each is from).
type contractCase struct {
	name      string
	template  string   // in this folder
	contracts []string // in testdata
	scenarios []string
	// fields are custom field values the template needs to form a URL
	// the contract takes; vars are call or message variables that make a
	// scenario send what it sends in another case (a picture, a medium).
	fields, vars  engine.Vars
	ignoreHeaders []string
	// mend relaxes the published document in memory where the document
	// itself is wrong, and quirks are the errors the published document
	// gives there: they must still be given, or the mend is no longer
	// needed.
	mend   func(t *testing.T, doc *openapi3.T)
	quirks []string
	// unloadable: the document as published does not load, so it cannot
	// be checked as published; mend is always applied, and a test of its
	// own shows the fault.
	unloadable bool
	// warnings are the warnings the check gives, each with why it is
	// acceptable.
	warnings map[string]string
	// sent are the requests the scenarios must send (and so have checked),
	// as the problems name them: none is skipped. A Common request that a
	// Next runs is checked, and named, when Common itself is.
	sent []string
}

const twilioAccountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // Twilio's own example Account SID

// contractCases are the cases of every template checked against its
// vendor's documents: those here and each vendor's own, in its file.
var contractCases = slices.Concat(builtinContractCases, hubspotContractCases, frontContractCases,
	intercomContractCases, zohocrmContractCases)

var builtinContractCases = []contractCase{
	{
		name: "zendesk", template: "zendesk.xml", contracts: []string{"zendesk-oas.yaml"},
		scenarios: []string{"SyncContactAuto", "SearchContact", "UserAssociation", "CreateNewContact", "CreateNewTicket", "CallJournal", "ChatJournal", "Common"},
		mend:      zendeskSearchFindsUsers,
		quirks: []string{
			`output Email: "results.#.email" (results.# has no property "email")`,
			`output BusinessNumber: "results.#.phone" (results.# has no property "phone")`,
			`output Remark: "results.#.notes" (results.# has no property "notes")`,
		},
		warnings: map[string]string{
			"PUT /api/v2/tickets/67890.json: the body's ticket.voice_comment is not a property the contract declares": "" +
				"updating a ticket with a voice comment is Zendesk's documented way to add one (\"Adding voice comments to " +
				"tickets\", Talk Partner Edition); the Update Ticket schema leaves it out (TestZendeskRequestsFollowTheContract " +
				"checks its fields against the voice comment object of the same document)",
		},
		sent: []string{
			"Scenario[SyncContactAuto]/Request[contacts]", "Scenario[SearchContact]/Request[SearchContact_contacts]",
			"Scenario[UserAssociation]/Request[UserAssociation]", "Scenario[CreateNewContact]/Request[contacts]",
			"Scenario[CreateNewTicket]/Request[CreateNewTicket]", "Scenario[CreateNewTicket]/Request[UpdateTicket]",
			"Scenario[CallJournal]/Request[CallJournal]", "Scenario[ChatJournal]/Request[ChatJournal]", "Scenario[Common]/Request[GetIdentities]",
			// Reached by the lookups' Next chains, checked there too.
			"Scenario[Common]/Request[GetIdentities]", "Scenario[Common]/Request[GetIdentities]",
		},
	},
	{
		// A call with no recording is journaled as a private comment.
		name: "zendesk, journal without a recording", template: "zendesk.xml", contracts: []string{"zendesk-oas.yaml"},
		scenarios: []string{"CallJournal"}, vars: engine.Vars{"RecordPath": ""},
		sent: []string{"Scenario[CallJournal]/Request[CallJournal]"},
	},
	{
		name: "twilio", template: "twilio.xml", contracts: []string{"twilio-oas-messages.yaml"},
		scenarios: []string{"VerifyChannel", "SendMessage"},
		// The Account SID is in both paths, which the contract holds
		// to Twilio's pattern (^AC[0-9a-fA-F]{32}$).
		fields: engine.Vars{"account_sid": twilioAccountSid},
		sent:   []string{"Scenario[VerifyChannel]/Request[account]", "Scenario[SendMessage]/Request[send]"},
	},
	{
		// An MMS: each picture is a MediaUrl field of the form.
		name: "twilio, pictures", template: "twilio.xml", contracts: []string{"twilio-oas-messages.yaml"},
		scenarios: []string{"SendMessage"},
		fields:    engine.Vars{"account_sid": twilioAccountSid},
		vars:      engine.Vars{"MediaUrls": `["https://example.com/a.jpg","https://example.com/b.png"]`},
		sent:      []string{"Scenario[SendMessage]/Request[send]"},
	},
	{
		name: "whatsapp", template: "whatsapp_cloud.xml", contracts: []string{"meta-whatsapp-oas.yaml"},
		scenarios: []string{"VerifyChannel", "SendMessage"},
		// Meta's document pins a User-Agent pattern only its own SDK
		// meets (a known quirk). The header is optional, and the
		// stand-in sees none (net/http adds Go's own later, which
		// breaks the pattern): ignored, so that stays so.
		ignoreHeaders: []string{"User-Agent"},
		mend:          metaMessagesTakeTheirBase,
		quirks:        []string{`POST /v23.0/106540352242922/messages: request body has an error: doesn't match schema #/components/schemas/Message`},
		sent:          []string{"Scenario[VerifyChannel]/Request[phone_number]", "Scenario[SendMessage]/Request[send]"},
	},
	{
		// A picture goes as an image message with the text as caption.
		name: "whatsapp, picture", template: "whatsapp_cloud.xml", contracts: []string{"meta-whatsapp-oas.yaml"},
		scenarios:     []string{"SendMessage"},
		vars:          engine.Vars{"MediaUrls": `["https://example.com/a.jpg"]`, "MediaUrl": "https://example.com/a.jpg"},
		ignoreHeaders: []string{"User-Agent"},
		mend:          metaMessagesTakeTheirBase,
		quirks:        []string{`POST /v23.0/106540352242922/messages: request body has an error: doesn't match schema #/components/schemas/Message`},
		warnings: map[string]string{
			"the body's image.caption is not a property the contract declares": "" +
				"Meta's media object takes a caption for images, videos and documents (Cloud API reference, " +
				"\"Media object\"; the document's own video examples send one), but its MediaObject schema declares " +
				"only id and link",
		},
		sent: []string{"Scenario[SendMessage]/Request[send]"},
	},
	{
		// The medium of an incoming message: its Graph URL, as
		// ReceiveMessage's MediaUrlFormat makes it.
		name: "whatsapp, media", template: "whatsapp_cloud.xml", contracts: []string{"meta-whatsapp-oas-media.yaml"},
		scenarios:     []string{"FetchMedia"},
		vars:          engine.Vars{"MediaUrl": "https://graph.facebook.com/v23.0/1003383421387256"},
		ignoreHeaders: []string{"User-Agent"},
		sent:          []string{"Scenario[FetchMedia]/Request[media]"},
	},
}

// Every request the shipped templates of contractCases send, in every
// scenario that sends one, is one the vendor's own OpenAPI document takes,
// and every output they read is in the answer it documents.
func TestTemplatesHoldAgainstTheVendorsContracts(t *testing.T) {
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := loadShipped(t, tc.template)
			check := func(contracts []*templatecheck.Contract) templates.Problems {
				return templatecheck.Check(context.Background(), tc.template, tmpl, contracts, templatecheck.Options{
					Fields: tc.fields, Vars: tc.vars, Scenarios: tc.scenarios, IgnoreHeaders: tc.ignoreHeaders})
			}

			var got templates.Problems
			switch {
			case tc.unloadable:
				// Not as published, which does not load: mended, always.
				require.NotNil(t, tc.mend, "a document that does not load as published needs mending")
				got = check(loadContracts(t, tc.contracts, tc.mend))
			case tc.mend != nil:
				got = check(loadContracts(t, tc.contracts, nil))
				require.NotEmpty(t, got.Errors(), "the published document no longer needs mending")
				for _, p := range got.Errors() {
					require.True(t, containsAny(p.Message, tc.quirks), "not a known quirk of the document: %s", p)
				}
				for _, q := range tc.quirks {
					require.True(t, slices.ContainsFunc(got.Errors(), func(p templates.Problem) bool { return strings.Contains(p.Message, q) }),
						"the published document no longer gives %q", q)
				}
				got = check(loadContracts(t, tc.contracts, tc.mend))
			default:
				got = check(loadContracts(t, tc.contracts, nil))
			}
			require.Empty(t, got.Errors(), "%v", got)
			var listed []string
			for w := range tc.warnings {
				listed = append(listed, w)
			}
			for _, w := range got.Warnings() {
				require.True(t, containsAny(w.Message, listed), "a warning not listed with why it is acceptable: %s", w)
			}
			for _, w := range listed {
				require.True(t, slices.ContainsFunc(got.Warnings(), func(p templates.Problem) bool { return strings.Contains(p.Message, w) }),
					"listed, but not given: %q", w)
			}

			// Each request was sent, not skipped: with a header every
			// operation requires and no request has, each one sent is
			// refused once, at its place.
			probe := func(t *testing.T, doc *openapi3.T) {
				if tc.mend != nil {
					tc.mend(t, doc)
				}
				requireProbe(doc)
			}
			var sent []string
			for _, p := range check(loadContracts(t, tc.contracts, probe)).Errors() {
				if strings.Contains(p.Message, `parameter "X-Contract-Probe" in header`) {
					sent = append(sent, p.Path)
				}
			}
			require.ElementsMatch(t, tc.sent, sent)
		})
	}
}

// The cases above check every scenario of each template that sends
// requests (the webhook readers send none).
func TestContractCasesCoverEveryScenarioThatSends(t *testing.T) {
	checked := map[string][]string{}
	for _, tc := range contractCases {
		checked[tc.template] = append(checked[tc.template], tc.scenarios...)
	}
	for file, scenarios := range checked {
		tmpl := loadShipped(t, file)
		var sending []string
		for _, sc := range tmpl.Source.Scenarios {
			if sc.ID != templates.ScenarioAuth && slices.ContainsFunc(sc.Requests, func(r *templates.Request) bool { return strings.TrimSpace(r.Method) != "" }) {
				sending = append(sending, sc.ID)
			}
		}
		slices.Sort(scenarios)
		require.ElementsMatch(t, sending, slices.Compact(scenarios), file)
	}
}

// Meta's message schemas are each allOf BaseMessageProperties (to,
// recipient_type, messaging_product, …) and a branch of the type's own
// properties with additionalProperties: false. A branch's
// additionalProperties sees only that branch's properties (in JSON Schema
// 2020-12, which OAS 3.1 uses, as before), so the published Message schema
// refuses every message there is — its own "Send Text Message" example
// too — which metaMessagesTakeTheirBase mends.
func TestMetasMessageSchemaRefusesItsOwnExample(t *testing.T) {
	for _, mend := range []func(*testing.T, *openapi3.T){nil, metaMessagesTakeTheirBase} {
		doc := loadDoc(t, "meta-whatsapp-oas.yaml")
		if mend != nil {
			mend(t, doc)
		}
		op := doc.Paths.Value("/{Version}/{Phone-Number-ID}/messages").Post
		media := op.RequestBody.Value.Content.Get("application/json")
		example := media.Examples["Send Text Message"].Value.Value
		err := media.Schema.Value.VisitJSON(example, openapi3.MultiErrors(), openapi3.EnableJSONSchema2020())
		if mend == nil {
			require.ErrorContains(t, err, `property "messaging_product" is unsupported`)
		} else {
			require.NoError(t, err)
		}
	}
}

// zendeskSearchFindsUsers: Zendesk's List Search Results answers results
// that "may consist of tickets, users, groups, or organizations, as
// specified by the result_type property" (the document's own words), but
// each is a SearchResultObject, which declares only a group's fields. A
// search for role:end-user, as the template's, finds users (UserObject:
// email, phone, notes). The mend lets a result be either.
func zendeskSearchFindsUsers(t *testing.T, doc *openapi3.T) {
	results := doc.Components.Schemas["SearchResponse"].Value.Properties["results"].Value
	user := doc.Components.Schemas["UserObject"]
	require.NotNil(t, user)
	results.Items = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{results.Items, user}}}
}

// metaMessagesTakeTheirBase: each message type's own branch also declares
// the properties of the BaseMessageProperties it is allOf'd with (any
// value: the base validates them), which is what the schemas mean — the
// base's properties and the type's, no other.
func metaMessagesTakeTheirBase(t *testing.T, doc *openapi3.T) {
	mended := 0
	for _, ref := range doc.Components.Schemas {
		s := ref.Value
		for _, branch := range s.AllOf {
			b := branch.Value
			if branch.Ref != "" || b.AdditionalProperties.Has == nil || *b.AdditionalProperties.Has || b.Properties == nil {
				continue
			}
			for _, other := range s.AllOf {
				if other == branch || other.Ref != "#/components/schemas/BaseMessageProperties" {
					continue
				}
				for name := range other.Value.Properties {
					if _, ok := b.Properties[name]; !ok {
						b.Properties[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
						mended++
					}
				}
			}
		}
	}
	require.Positive(t, mended)
}

// requireProbe makes every operation require a header no template sends.
func requireProbe(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "X-Contract-Probe", In: openapi3.ParameterInHeader, Required: true,
				Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}})
		}
	}
}

func loadShipped(t *testing.T, file string) *engine.Template {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	tmpl, problems := engine.Load(file, data, engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	return tmpl
}

func loadDoc(t *testing.T, file string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	return doc
}

// loadContracts reads the contracts as published, or changed by change
// (in memory: the files stay as the vendor publishes them).
func loadContracts(t *testing.T, files []string, change func(*testing.T, *openapi3.T)) []*templatecheck.Contract {
	t.Helper()
	var out []*templatecheck.Contract
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		if change != nil {
			doc := loadDoc(t, file)
			change(t, doc)
			data, err = json.Marshal(doc)
			require.NoError(t, err)
		}
		c, err := templatecheck.LoadContract(file, data)
		require.NoError(t, err)
		out = append(out, c)
	}
	return out
}

func containsAny(s string, subs []string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}
