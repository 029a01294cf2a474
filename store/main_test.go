package store_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Stores, job queues and listeners end their goroutines when they are
// closed or stopped: nothing is left running once every test is over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
