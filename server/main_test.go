package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every server a test starts is stopped, and Stop waits for everything
// Start began: nothing is left running once the package's tests are over.
//
// Except net/http's lingering close: a connection answered before its body
// was read (a webhook with an unknown key) is half-closed and kept 500 ms
// so the client reads the answer, by design, after Shutdown returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}
