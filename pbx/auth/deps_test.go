package auth_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: auth imports no voiplab package.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/auth")
}
