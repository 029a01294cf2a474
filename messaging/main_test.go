package messaging_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The service's senders, loops and timers end with Stop: nothing is left
// running once every test of the package is over. No ignores are needed:
// the tests close their databases and fake providers, and a provider
// closing its connections ends the client's keep-alive goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
