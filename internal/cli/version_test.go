package cli_test

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// A test binary carries no stamp and no VCS settings: the version is
// "devel" and the toolchain is the one running the test. The stamped and
// VCS cases are TestReadBuildInfo's, and the empty-root test runs a
// binary built as make dist builds it.
func TestVersion(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		code, out, errOut := run("version")
		require.Equal(t, cli.ExitOK, code, errOut)
		require.Regexp(t, `^switchboard \S+\n  commit: .+\n  date:   .+\n  go:     `+runtime.Version()+` `+runtime.GOOS+`/`+runtime.GOARCH+`\n$`, out)
	})
	t.Run("json", func(t *testing.T) {
		code, out, errOut := run("version", "--json")
		require.Equal(t, cli.ExitOK, code, errOut)
		var b cli.BuildInfo
		require.NoError(t, json.Unmarshal([]byte(out), &b))
		require.NotEmpty(t, b.Version)
		require.Equal(t, runtime.Version(), b.GoVersion)
		require.Equal(t, runtime.GOOS+"/"+runtime.GOARCH, b.Platform)
		var keys map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &keys))
		for _, k := range []string{"version", "modified", "go", "platform"} {
			require.Contains(t, keys, k)
		}
	})
	t.Run("no arguments", func(t *testing.T) {
		code, _, _ := run("version", "extra")
		require.Equal(t, cli.ExitBadUsage, code)
	})
}
