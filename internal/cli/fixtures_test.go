package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// TestRecordThenTest is an author's round: record a run of the Freshdesk
// example against a helpdesk, keep the fixture beside the template,
// replay it with the helpdesk gone, change the template, see the diff,
// and accept the change with --update.
func TestRecordThenTest(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "freshdesk.xml")
	data, err := os.ReadFile("../../examples/freshdesk.xml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(tmpl, data, 0o644))
	const apiKey = "fd-api-key-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":43,"name":"Ann \"the caller\" Lee","email":"ann@acme.test","phone":"+14155550100","mobile":null}]`))
	}))
	defer srv.Close()

	code, out, errOut := run("template", "run", tmpl, "--scenario", "SyncContactAuto", "--no-global-info",
		"--field", "base_url="+srv.URL, "--field", "api_key="+apiKey, "--var", "Phone=+14155550100",
		"--record", filepath.Join(dir, "freshdesk.tests"))
	require.Equal(t, cli.ExitOK, code, out+errOut)
	fixture := filepath.Join(dir, "freshdesk.tests", "SyncContactAuto.json")
	require.Contains(t, errOut, "recorded to "+fixture)
	raw, err := os.ReadFile(fixture)
	require.NoError(t, err)
	require.NotContains(t, string(raw), apiKey)
	srv.Close()

	code, out, _ = run("template", "test", tmpl)
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, "ok   "+fixture+"\n1 fixture(s), 0 failed\n", out)

	// The author changes which field the phone is searched in.
	changed := strings.Replace(string(data), "phone:", "mobile:", 1)
	require.NotEqual(t, string(data), changed)
	require.NoError(t, os.WriteFile(tmpl, []byte(changed), 0o644))
	code, out, _ = run("template", "test", tmpl)
	require.Equal(t, cli.ExitFailed, code, out)
	require.Contains(t, out, "FAIL "+fixture+": the template now sends or reads something else\n--- recorded\n+++ now\n")
	require.Contains(t, out, "\n-     query query=\"phone:")
	require.Contains(t, out, "\n+     query query=\"mobile:")
	require.Contains(t, out, "1 fixture(s), 1 failed\n")

	code, out, _ = run("template", "test", tmpl, "--update")
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "updated "+fixture)
	code, out, _ = run("template", "test", tmpl)
	require.Equal(t, cli.ExitOK, code, out)
}

func TestTemplateTestUsage(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "zendesk.xml")
	data, err := os.ReadFile("../../examples/zendesk.xml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(tmpl, data, 0o644))

	code, _, errOut := run("template", "test", tmpl)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "no fixtures: "+filepath.Join(dir, "zendesk.tests")+" does not exist; record one with 'switchboard template run")

	fixtures := filepath.Join(dir, "zendesk.tests")
	require.NoError(t, os.MkdirAll(fixtures, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(fixtures, "broken.json"), []byte("{\"scenario\": \"Nope\",\n\"exchanges\": 3}"), 0o644))
	code, out, _ := run("template", "test", tmpl)
	require.Equal(t, cli.ExitFailed, code)
	require.Contains(t, out, "FAIL "+filepath.Join(fixtures, "broken.json")+": "+filepath.Join(fixtures, "broken.json")+": line 2: ")

	require.NoError(t, os.WriteFile(filepath.Join(fixtures, "broken.json"), []byte(`{"scenario": "Nope"}`), 0o644))
	code, out, _ = run("template", "test", tmpl)
	require.Equal(t, cli.ExitFailed, code)
	require.Contains(t, out, `the template has no runnable scenario "Nope"`)
}
