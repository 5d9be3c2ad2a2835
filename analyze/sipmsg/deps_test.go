package sipmsg_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: a leaf package shared with the PBX imports nothing above it (DESIGN.md).
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/analyze/sipmsg", "voiplab/analyze/codec") }
