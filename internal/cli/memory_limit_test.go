package cli

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// --memory-limit: a size is the runtime's limit, off leaves it, and a
// value that is none of auto, off or a size is refused with what to give.
func TestServeMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	require.NoError(t, setMemoryLimit(t.Context(), "256MiB"))
	require.EqualValues(t, 256<<20, debug.SetMemoryLimit(-1))
	require.NoError(t, setMemoryLimit(t.Context(), "off"))
	require.EqualValues(t, 256<<20, debug.SetMemoryLimit(-1), "off changes nothing")

	for _, bad := range []string{"lots", "12", "-1MiB", ""} {
		err := setMemoryLimit(t.Context(), bad)
		require.ErrorContains(t, err, "give auto, off, or a size of at least 1MiB such as 256MiB", bad)
		require.ErrorContains(t, err, `--memory-limit "`+bad+`"`)
	}
}
