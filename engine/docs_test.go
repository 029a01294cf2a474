package engine_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

var (
	xmlBlock     = regexp.MustCompile("(?s)```xml\n(.*?)```")
	scenarioElem = regexp.MustCompile(`(?s)<Scenario Id="([^"]+)".*?</Scenario>`)
	authMethod   = regexp.MustCompile(`<Parameter Name="AuthMethod" Value="([^"]*)"`)
	channelOnly  = regexp.MustCompile(`Father="(Webhook|Channel|ErrorMap|StatusMap)"`)
)

// docsBlocks returns the XML examples of every page of the template docs,
// by file.
func docsBlocks(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("../docs/templates/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]string{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range xmlBlock.FindAllStringSubmatch(string(data), -1) {
			out[file] = append(out[file], strings.TrimSpace(m[1]))
		}
	}
	return out
}

// docsSource makes a loadable template of one XML example: a whole
// template (it has <Information>) as it is; otherwise the example must be
// <Scenario> elements, each put in place of the scenario with its Id in
// the starter of `template new` (or added to it). The starter is a
// channel's (--provider sms) when a scenario is one only channels have or
// the example declares channel parameters, else a helpdesk's; its auth is
// the one the example's AuthMethod parameter names, else basic.
func docsSource(t *testing.T, block string) string {
	t.Helper()
	if strings.Contains(block, "<Information") {
		return block
	}
	require.True(t, strings.HasPrefix(block, "<Scenario "), "an XML example is a whole template or <Scenario> elements:\n%s", block)
	scenarios := scenarioElem.FindAllStringSubmatch(block, -1)
	require.NotEmpty(t, scenarios)
	provider, auth := "helpdesk", "basic"
	helpdesk := templates.ScenarioIDs("helpdesk")
	for _, s := range scenarios {
		if !slices.Contains(helpdesk, s[1]) {
			provider = "sms"
		}
	}
	if channelOnly.MatchString(block) {
		provider = "sms"
	}
	if m := authMethod.FindStringSubmatch(block); m != nil {
		auth = m[1]
	}
	src, err := templates.Starter(provider, auth)
	require.NoError(t, err)
	for _, s := range scenarios {
		old := regexp.MustCompile(`(?s)<Scenario Id="` + regexp.QuoteMeta(s[1]) + `".*?</Scenario>`)
		if old.MatchString(src) {
			src = old.ReplaceAllLiteralString(src, s[0])
		} else {
			src = strings.Replace(src, "</Scenarios>", s[0]+"\n</Scenarios>", 1)
		}
	}
	return src
}

// Every XML example of the template docs (docs/templates/*.md) loads
// without an error, so the docs cannot drift from what the engine takes.
func TestDocsXMLExamplesLoad(t *testing.T) {
	n := 0
	for file, blocks := range docsBlocks(t) {
		for i, block := range blocks {
			src := docsSource(t, block)
			tmpl, problems := engine.Load(filepath.Base(file), []byte(src), engine.Options{})
			require.False(t, problems.HasErrors(), "%s, XML block %d:\n%s\n%v", file, i+1, block, problems)
			for _, s := range scenarioElem.FindAllStringSubmatch(block, -1) {
				if s[1] != templates.ScenarioAuth {
					require.NotNil(t, tmpl.Scenario(s[1]), "%s, XML block %d: scenario %s is not in the template loaded", file, i+1, s[1])
				}
			}
			n++
		}
	}
	require.Greater(t, n, 20, "the docs' examples were found")
}

// docsPage reads one page of the template docs.
func docsPage(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "templates", name))
	require.NoError(t, err)
	return string(data)
}

// requireDocumented fails for each name the page does not mention as
// code: `name`, or `name args…` for a function.
func requireDocumented(t *testing.T, page, what string, names []string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if !strings.Contains(page, "`"+n+"`") && !strings.Contains(page, "`"+n+" ") {
			missing = append(missing, n)
		}
	}
	require.Empty(t, missing, "docs/templates/reference.md does not document these %s", what)
}

// The reference documents every function a template string may call,
// every variable Switchboard provides and every scenario id, read from
// the code: a function, variable or scenario added without a word in the
// reference fails here.
func TestReferenceDocumentsEverything(t *testing.T) {
	ref := docsPage(t, "reference.md")
	requireDocumented(t, ref, "functions (engine.FuncNames)", engine.FuncNames())
	requireDocumented(t, ref, "call variables (templates.KnownVariables)", templates.KnownVariables)
	ids := slices.Concat(templates.ScenarioIDs("helpdesk"), templates.ScenarioIDs("sms"),
		[]string{templates.RequestUpdateTicket})
	requireDocumented(t, ref, "scenario ids (templates.ScenarioIDs)", ids)
	requireDocumented(t, ref, "phone outputs (templates.PhoneOutputs)", templates.PhoneOutputs)
	requireDocumented(t, ref, "starter auth types", templates.StarterAuths)
}

// functionExample is a row of the reference's example tables:
// | `{{…}}` | `result` |
var functionExample = regexp.MustCompile("(?m)^\\| `(\\{\\{.*?\\}\\})` \\| `([^`]*)` \\|")

// The function examples of the reference render what it says, with the
// variables it names and the PBX zone Asia/Shanghai.
func TestReferenceFunctionExamples(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	vars := engine.Vars{"ts": "1672531199", "Phone": "+1 (415) 555-0100"}
	rows := functionExample.FindAllStringSubmatch(docsPage(t, "reference.md"), -1)
	require.Greater(t, len(rows), 10)
	for _, row := range rows {
		text, err := engine.CompileText(row[1], engine.FuncMap(shanghai))
		require.NoError(t, err, row[1])
		got, err := text.Render(vars)
		require.NoError(t, err, row[1])
		require.Equal(t, row[2], got, row[1])
	}
}
