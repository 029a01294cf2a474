package engine_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Runs must not leave goroutines behind. Idle keep-alive connections of the
// shared pooled transport are expected to outlive a test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}
