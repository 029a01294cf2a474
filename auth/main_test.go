package auth_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Renewals, the stores the tests open and the token endpoints they start
// are all finished when the package's tests are over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
