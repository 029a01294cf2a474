// Package golden compares test output with files under testdata/, and
// rewrites them when tests run with -update. Only tests use it; it must
// never be imported by code that ships.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Equal compares got with the golden file at path, or writes it with -update.
func Equal(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing; run the test with -update to create it")
	require.Equal(t, string(want), string(got), "output differs from %s; run with -update if the change is intended", path)
}
