package phone_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: a phone uses the SDP rules and codec table of analyze's leaf
// packages, the G.722 codec and the impairment; never the PBX, the
// analysis root or the report.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/labs/phone", "voiplab/analyze/sdpneg", "voiplab/analyze/codec", "voiplab/g722", "voiplab/labs/impair")
}
