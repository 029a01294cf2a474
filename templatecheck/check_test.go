package templatecheck_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templatecheck"
	"github.com/switchboard/switchboard/templates"
)

func contract(t *testing.T, file string) *templatecheck.Contract {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	c, err := templatecheck.LoadContract(file, data)
	require.NoError(t, err)
	return c
}

// check loads the desk template, changed by the replacements, and checks
// it against the desk contract.
func check(t *testing.T, opts templatecheck.Options, replace ...string) (string, templates.Problems) {
	t.Helper()
	return checkAgainst(t, contract(t, "testdata/desk.yaml"), opts, replace...)
}

// checkAgainst loads the desk template, changed by the replacements, and
// checks it against c.
func checkAgainst(t *testing.T, c *templatecheck.Contract, opts templatecheck.Options, replace ...string) (string, templates.Problems) {
	t.Helper()
	data, err := os.ReadFile("testdata/desk.xml")
	require.NoError(t, err)
	src := strings.NewReplacer(replace...).Replace(string(data))
	tmpl, problems := engine.Load("desk.xml", []byte(src), engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	return src, templatecheck.Check(context.Background(), "desk.xml", tmpl, []*templatecheck.Contract{c}, opts)
}

// deskContract is the desk contract changed by the replacements.
func deskContract(t *testing.T, replace ...string) *templatecheck.Contract {
	t.Helper()
	data, err := os.ReadFile("testdata/desk.yaml")
	require.NoError(t, err)
	changed := strings.NewReplacer(replace...).Replace(string(data))
	require.NotEqual(t, string(data), changed)
	c, err := templatecheck.LoadContract("desk.yaml", []byte(changed))
	require.NoError(t, err)
	return c
}

// at is the line:column where text starts in src.
func at(t *testing.T, src, text string) templates.Pos {
	t.Helper()
	i := strings.Index(src, text)
	require.GreaterOrEqual(t, i, 0, "%q is not in the template", text)
	line := strings.Count(src[:i], "\n") + 1
	return templates.Pos{Line: line, Column: i - strings.LastIndex(src[:i], "\n")}
}

func TestACorrectTemplateChecksClean(t *testing.T) {
	_, problems := check(t, templatecheck.Options{})
	require.Empty(t, problems)
}

func TestCheckFindsEachMistakeAtItsPlace(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, place, want string
	}{
		{"a wrong path", "/api/v1/contacts/search?", "/api/v1/contact/search?", `<Request Name="search"`,
			"GET /api/v1/contact/search?phone=%2B14155550100: no operation of testdata/desk.yaml has this method and path"},
		{"a missing required body field", `,"phone":"{{.Phone}}"}}`, `}}`, `<Request Name="create"`,
			`POST /api/v1/contacts: request body has an error: doesn't match schema`},
		{"a query that breaks the pattern", `{{UrlEncode .Phone}}`, `{{UrlEncode .CallerName}}`, `<Request Name="search"`,
			`parameter "phone" in query has an error`},
		{"an output the answer cannot have", `Path="contacts.#.name"`, `Path="contacts.#.full_name"`, `Path="contacts.#.full_name"`,
			`output FirstName: "contacts.#.full_name" (contacts.# has no property "full_name") is not in the 200 answer of GET /contacts/search`},
		{"a list read as an object", `Path="contact.id"`, `Path="contact.0.id"`, `Path="contact.0.id"`,
			`"contact.0.id" (contact is not a list)`},
		{"a required header left out", `<Parameter Name="X-Desk-Client" Type="Header" Value="switchboard"/>`, ``, `<Request Name="CallJournal"`,
			`parameter "X-Desk-Client" in header has an error: value is required but missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, problems := check(t, templatecheck.Options{}, tc.from, tc.to)
			require.Len(t, problems, 1, "%v", problems)
			p := problems[0]
			require.Equal(t, templates.SeverityError, p.Severity)
			require.Contains(t, p.Message, tc.want)
			require.Equal(t, at(t, src, tc.place), p.Pos, "%s", p)
		})
	}
}

func TestCheckIgnoresTheHeadersItIsTold(t *testing.T) {
	_, problems := check(t, templatecheck.Options{IgnoreHeaders: []string{"x-desk-client"}},
		`<Parameter Name="X-Desk-Client" Type="Header" Value="switchboard"/>`, ``)
	require.Empty(t, problems)
}

// A path may name its own servers, which override the document's (Twilio's
// document names one on every path): they move to the stand-in as well, so
// the path's requests are matched, and checked.
func TestAPathsOwnServersAreMatchedToo(t *testing.T) {
	c := deskContract(t, "  /contacts/search:\n", "  /contacts/search:\n    servers:\n      - url: https://search.desk.example/api/v1\n")
	_, problems := checkAgainst(t, c, templatecheck.Options{})
	require.Empty(t, problems)
	src, problems := checkAgainst(t, c, templatecheck.Options{}, `{{UrlEncode .Phone}}`, `{{UrlEncode .CallerName}}`)
	require.Len(t, problems, 1, "%v", problems)
	require.Contains(t, problems[0].Message, `parameter "phone" in query has an error`)
	require.Equal(t, at(t, src, `<Request Name="search"`), problems[0].Pos)
}

// A body field the contract does not declare is a warning whether the
// body goes as JSON or as a form (Twilio's API takes forms).
func TestAnUndeclaredFieldIsAWarningInAFormToo(t *testing.T) {
	const field = "the body's colour is not a property the contract declares"
	body := []string{`Value='{"body":"{{JsonEscape .Description}}"}'`, `Value='{"body":"{{JsonEscape .Description}}","colour":"red"}'`}
	_, problems := check(t, templatecheck.Options{}, body...)
	require.Len(t, problems, 1, "%v", problems)
	require.Equal(t, templates.SeverityWarning, problems[0].Severity)
	require.Contains(t, problems[0].Message, field)

	form := deskContract(t, "                  type: string\n      responses:\n        \"204\"",
		"                  type: string\n          application/x-www-form-urlencoded:\n            schema:\n              type: object\n              required: [body]\n              properties:\n                body:\n                  type: string\n      responses:\n        \"204\"")
	encoded := []string{`<Request Name="CallJournal" Method="POST"`, `<Request Name="CallJournal" Method="POST" RequestEncoding="form"`}
	_, problems = checkAgainst(t, form, templatecheck.Options{}, encoded...)
	require.Empty(t, problems)
	src, problems := checkAgainst(t, form, templatecheck.Options{}, append(encoded, body...)...)
	require.Len(t, problems, 1, "%v", problems)
	require.Equal(t, templates.SeverityWarning, problems[0].Severity)
	require.Contains(t, problems[0].Message, "POST /api/v1/tickets/67890/comments: "+field)
	require.Equal(t, at(t, src, `<Request Name="CallJournal"`), problems[0].Pos)
}

// Every variable Switchboard gives templates has a sample, so no request
// is checked with a value left out (a search with no words, a status
// callback with no address).
func TestEveryKnownVariableHasASample(t *testing.T) {
	data, err := os.ReadFile("testdata/desk.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("desk.xml", data, engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	vars := templatecheck.SampleVars(tmpl.Source, nil)
	for _, name := range templates.KnownVariables {
		_, ok := vars[name]
		require.True(t, ok, "no sample for %s", name)
	}
	require.NotEmpty(t, vars["SearchValue"])
	require.NotEmpty(t, vars["WebhookUrl"])
}

// The shipped Zendesk template's ticket scenarios hold against Zendesk's
// own OpenAPI document (trimmed to the ticket operations, with its source
// in ../examples/testdata/README.md); its paths end in ".json", which the
// document leaves out.
func TestZendeskTicketsHoldAgainstZendesksContract(t *testing.T) {
	data, err := os.ReadFile("../examples/zendesk.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("zendesk.xml", data, engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	zd := contract(t, "../examples/testdata/zendesk-oas-tickets.yaml")
	got := templatecheck.Check(context.Background(), "zendesk.xml", tmpl, []*templatecheck.Contract{zd},
		templatecheck.Options{Scenarios: []string{"CreateNewTicket", "CallJournal"}})
	require.Empty(t, got.Errors(), "%v", got)
	// Updating a ticket with a voice comment is Zendesk's documented way
	// to add one ("Adding voice comments to tickets"), but the Update
	// Ticket schema leaves it out: said, as a warning.
	require.Len(t, got.Warnings(), 1, "%v", got)
	require.Contains(t, got.Warnings()[0].Message, "the body's ticket.voice_comment is not a property the contract declares")

	// A ticket field the document does not have, in the template's body.
	broken := strings.Replace(string(data), `&quot;subject&quot;:`, `&quot;subjekt&quot;:`, 1)
	require.NotEqual(t, string(data), broken)
	tmpl, _ = engine.Load("zendesk.xml", []byte(broken), engine.Options{})
	got = templatecheck.Check(context.Background(), "zendesk.xml", tmpl, []*templatecheck.Contract{zd},
		templatecheck.Options{Scenarios: []string{"CreateNewTicket"}})
	require.Len(t, got, 1, "%v", got)
	require.Contains(t, got[0].Message, "the body's ticket.subjekt is not a property the contract declares")
}
