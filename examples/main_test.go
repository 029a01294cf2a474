package examples_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The fake helpdesks the examples run against close with their tests:
// nothing is left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
