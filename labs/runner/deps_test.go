package runner_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the runner wires the PBX, the phones, the capture tap, the
// analysis and the report (DESIGN.md: labs drives pbx and phones and feeds
// the same pipeline); nothing imports it but cmd.
func TestDeps(t *testing.T) {
	deptest.Forbid(t, "voiplab/labs/runner", "voiplab/cmd/...", "voiplab/synth")
}
