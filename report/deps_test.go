package report_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: report renders analyze's Result; it never reaches pbx, labs or synth.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/report", "voiplab/analyze", "voiplab/analyze/...", "voiplab/capture")
}
