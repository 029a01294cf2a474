package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The demo's servers close with their tests: nothing is left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
