package relay_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// session reader and timer must be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
