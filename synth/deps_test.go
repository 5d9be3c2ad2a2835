package synth_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: synth writes captures; it must not use the analyser it feeds.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/synth", "voiplab/capture", "voiplab/analyze/codec")
}
