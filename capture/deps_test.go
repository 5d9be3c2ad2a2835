package capture_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: capture is the leaf of voiplab (DESIGN.md): it imports no other
// voiplab package.
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/capture") }
