package pbxtest_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: pbxtest uses the PBX only.
func TestDeps(t *testing.T) {
	deptest.Forbid(t, "voiplab/pbx/pbxtest", "voiplab/analyze", "voiplab/report", "voiplab/labs", "voiplab/cmd/...")
}
