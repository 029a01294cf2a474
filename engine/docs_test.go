package engine_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

var (
	xmlBlock   = regexp.MustCompile("(?s)```xml\n(.*?)```")
	scenarioID = regexp.MustCompile(`^<Scenario Id="([^"]+)"`)
)

// Every XML example of the template docs loads without an error, so the
// docs cannot drift from what the engine takes: a whole template as it
// is, a <Scenario> in place of the scenario with its Id in the starter
// the guide begins with (template new --provider helpdesk --auth basic).
func TestDocsXMLExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../docs/templates/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	starter, err := templates.Starter("helpdesk", "basic")
	require.NoError(t, err)
	n := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for i, m := range xmlBlock.FindAllStringSubmatch(string(data), -1) {
			block := strings.TrimSpace(m[1])
			src := block
			if id := scenarioID.FindStringSubmatch(block); id != nil {
				scenario := regexp.MustCompile(`(?s)<Scenario Id="` + regexp.QuoteMeta(id[1]) + `".*?</Scenario>`)
				require.True(t, scenario.MatchString(starter), "%s, block %d: the starter has no scenario %s", file, i+1, id[1])
				src = scenario.ReplaceAllLiteralString(starter, block)
			}
			_, problems := engine.Load(filepath.Base(file), []byte(src), engine.Options{})
			require.False(t, problems.HasErrors(), "%s, XML block %d:\n%s\n%v", file, i+1, block, problems)
			n++
		}
	}
	require.Greater(t, n, 5, "the guide's examples were found")
}
