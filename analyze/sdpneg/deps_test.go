package sdpneg_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: a leaf package shared with the PBX imports nothing above it (DESIGN.md).
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/analyze/sdpneg", "voiplab/analyze/codec") }
