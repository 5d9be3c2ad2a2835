package relay_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the relay uses capture (its tap), the CDR type and the analyser's
// leaf packages only (DESIGN.md: pbx never imports analyze's root).
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/relay", "voiplab/capture", "voiplab/pbx/cdr",
		"voiplab/analyze/rtpstats", "voiplab/analyze/codec", "voiplab/analyze/sdpneg")
}
