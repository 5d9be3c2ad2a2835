package g722_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: g722 is a leaf: the codec imports no other voiplab package, so
// the phones, the labs and the analyser can all use it.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/g722")
}
