package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/golden"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// Template → the full list of problems (structure and template strings),
// one golden file per template.
func TestLoadProblemsGolden(t *testing.T) {
	files, err := filepath.Glob("../templates/testdata/invalid/*.xml")
	require.NoError(t, err)
	valid, err := filepath.Glob("../templates/testdata/valid/*.xml")
	require.NoError(t, err)
	examples, err := filepath.Glob("../examples/*.xml")
	require.NoError(t, err)
	files = append(append(files, valid...), examples...)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tmpl, problems := engine.Load(filepath.Base(file), readFile(t, file), engine.Options{})
			require.Equal(t, problems.HasErrors(), tmpl == nil)
			var b strings.Builder
			for _, p := range problems {
				b.WriteString(p.String())
				b.WriteByte('\n')
			}
			golden.Equal(t, filepath.Join("testdata", "problems", strings.TrimSuffix(filepath.Base(file), ".xml")+".golden"), []byte(b.String()))
		})
	}
}

func TestExamplesAreClean(t *testing.T) {
	// The warnings a shipped template keeps on purpose, with why: Telesign
	// and VoiceMeUp have no request that only checks the keys (their
	// notes say so), so their channels start unverified.
	intended := map[string]string{
		"telesign.xml":  "no VerifyChannel scenario",
		"voicemeup.xml": "no VerifyChannel scenario",
	}
	examples, err := filepath.Glob("../examples/*.xml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(examples), 3)
	for _, file := range examples {
		_, problems := engine.Load(file, readFile(t, file), engine.Options{})
		if want, ok := intended[filepath.Base(file)]; ok {
			require.Len(t, problems, 1, file)
			require.Contains(t, problems[0].Message, want, file)
			require.False(t, problems.HasErrors(), file)
			continue
		}
		require.Empty(t, problems, file)
	}
}

func TestManyProblemsAreAllReported(t *testing.T) {
	_, problems := engine.Load("many-problems.xml", readFile(t, "../templates/testdata/invalid/many-problems.xml"), engine.Options{})
	require.GreaterOrEqual(t, len(problems.Errors()), 15)
	for _, want := range []string{
		`many-problems.xml:22:49 Scenario[SyncContactAuto]/Request[contacts]@URLFormat: template: function "UrlEncod" not defined (did you mean "UrlEncode"?)`,
		`many-problems.xml:39:20 Scenario[Common]/Request[B]/Outputs@Next: Next chain loops: A → B → A`,
		`many-problems.xml:16:15 Scenario[SyncContactAutos]@Id: unknown scenario Id "SyncContactAutos"`,
	} {
		found := false
		for _, p := range problems {
			found = found || strings.HasPrefix(p.String(), want)
		}
		require.True(t, found, "missing %q", want)
	}
}
