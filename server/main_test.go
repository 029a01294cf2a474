package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every server a test starts is stopped, and Stop waits for everything
// Start began: nothing is left running once the package's tests are over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
