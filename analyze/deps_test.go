package analyze_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: analyze reads datagrams from capture and uses its own leaf
// packages; it never imports report, pbx, labs, synth or cmd (DESIGN.md).
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/analyze", "voiplab/capture", "voiplab/analyze/...")
}
