package impair_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: impair is a leaf: the phones and the relay import it, it
// imports no other voiplab package.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/labs/impair")
}
