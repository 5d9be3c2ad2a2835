package pbx_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps (DESIGN.md): the PBX may use capture and analyze's leaf packages,
// never analyze's root, report or labs.
func TestDeps(t *testing.T) {
	deptest.Forbid(t, "voiplab/pbx", "voiplab/analyze", "voiplab/report", "voiplab/labs", "voiplab/synth")
}
