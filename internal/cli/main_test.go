package cli_test

import (
	"os"
	"testing"
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
	os.Exit(code)
}
