package check_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: grading reads analysis results and the catalogue only.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/labs/check", "voiplab/analyze", "voiplab/analyze/...", "voiplab/capture", "voiplab/labs/catalogue")
}
