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
	data, err := os.ReadFile("testdata/desk.xml")
	require.NoError(t, err)
	src := strings.NewReplacer(replace...).Replace(string(data))
	tmpl, problems := engine.Load("desk.xml", []byte(src), engine.Options{})
	require.False(t, problems.HasErrors(), "%v", problems)
	return src, templatecheck.Check(context.Background(), "desk.xml", tmpl, []*templatecheck.Contract{contract(t, "testdata/desk.yaml")}, opts)
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
