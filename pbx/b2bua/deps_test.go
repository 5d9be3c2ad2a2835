package b2bua_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the B2BUA uses the relay, the CDR type and the analyser's leaf
// packages; never analyze's root, report or labs (DESIGN.md).
func TestDeps(t *testing.T) {
	deptest.Forbid(t, "voiplab/pbx/b2bua", "voiplab/analyze", "voiplab/report", "voiplab/labs", "voiplab/cmd/voiplab")
}
