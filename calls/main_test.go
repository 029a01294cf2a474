package calls_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The job queue's goroutines end with Stop, and the tests close their
// stores and fake helpdesks: nothing is left running once every test of
// the package is over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
