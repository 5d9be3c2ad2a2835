package b2bua_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// call, branch, relay session and phone must be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
