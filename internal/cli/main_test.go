package cli_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Commands default to files under the user's config directory (the token
// file); tests get a directory of their own so they never touch a real one.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-cli-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// Servers the commands start end with them.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
