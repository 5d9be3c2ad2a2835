package hep_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: capture/hep sits beside capture, below analyze (DESIGN.md): it
// may import voiplab/capture and nothing else of voiplab.
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/capture/hep", "voiplab/capture") }
