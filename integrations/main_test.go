package integrations_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The runtime starts no goroutines of its own; the job queue's end with
// Stop. The tests close their stores and fake APIs.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
