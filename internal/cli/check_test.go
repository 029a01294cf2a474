package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// template check: exit 0 for a template the contract takes (warnings
// allowed), 1 with each problem at its place, 2 for what cannot be
// checked.
func TestTemplateCheck(t *testing.T) {
	const desk, contract = "../../templatecheck/testdata/desk.xml", "../../templatecheck/testdata/desk.yaml"
	code, out, _ := run("template", "check", desk, "--openapi", contract)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, desk+": ok\n", out)

	data, err := os.ReadFile(desk)
	require.NoError(t, err)
	broken := filepath.Join(t.TempDir(), "desk.xml")
	require.NoError(t, os.WriteFile(broken, []byte(strings.Replace(string(data), "/contacts/search?", "/contact/search?", 1)), 0o600))
	code, out, _ = run("template", "check", broken, "--openapi", contract)
	require.Equal(t, cli.ExitFailed, code, out)
	require.Contains(t, out, ":12:9 Scenario[SyncContactAuto]/Request[search]: GET /api/v1/contact/search?phone=%2B14155550100: no operation of "+contract)
	require.Contains(t, out, "invalid, 1 error")

	code, out, _ = run("template", "check", broken, "--openapi", contract, "--json")
	require.Equal(t, cli.ExitFailed, code)
	var report struct {
		Valid    bool `json:"valid"`
		Problems []struct {
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	require.False(t, report.Valid)
	require.Len(t, report.Problems, 1)
	require.Equal(t, 12, report.Problems[0].Line)

	code, _, errOut := run("template", "check", desk)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "needs at least one --openapi document")
	code, _, errOut = run("template", "check", desk, "--openapi", desk)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "not an OpenAPI 3 document")
}

// template new prints a starter that template validate takes.
func TestTemplateNew(t *testing.T) {
	code, out, errOut := run("template", "new", "--provider", "sms", "--auth", "bearertoken")
	require.Equal(t, cli.ExitOK, code, errOut)
	require.Contains(t, out, `<Information Provider="sms"`)
	file := filepath.Join(t.TempDir(), "starter.xml")
	require.NoError(t, os.WriteFile(file, []byte(out), 0o600))
	code, out, _ = run("template", "validate", file)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, file+": ok\n", out)

	code, _, errOut = run("template", "new", "--provider", "sms", "--auth", "oauth2")
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "an sms channel template takes none, basic or bearertoken")
}
